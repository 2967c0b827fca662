"""The HTTP API of ``signalos serve``: a FastAPI application around a :class:`Service`.

    POST /v1/parse          one message            -> one result
    POST /v1/parse/batch    up to max_batch        -> results in the same order
    GET  /v1/schema         the result's JSON Schema and the schema's vocabulary
    GET  /v1/pipelines      the configured pipelines
    GET  /healthz           the process answers
    GET  /readyz            it takes requests (503 while starting or shutting down)
    GET  /metrics           Prometheus text format
    GET  /docs, /openapi.json

Every error is a JSON object ``{"error": "...", "details": [...]}`` with a 4xx status: 400 (not
JSON), 401 (token), 404, 405, 413 (body or batch too large), 422 (a wrong field, an unknown
pipeline), 503 (a configured pipeline that cannot start; not ready).

The two parse routes are the hot path. FastAPI documents them from their endpoint's signature
(body and response models), but they run through :class:`_FastRoute`, which validates the body
with the same pydantic model and encodes the answer itself: FastAPI's dependency solving and
response serialisation cost more than the parse of a message.
"""
from __future__ import annotations

import hmac
import json
import time
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from signalos import __version__
from signalos.models import ACTION_TYPES, DIRECTIONS, KINDS, ORDER_TYPES
from signalos.serve.service import RequestError, Service

JSON_TYPE = "application/json"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/openapi.json"})
ENDPOINTS = {"/v1/parse": "parse", "/v1/parse/batch": "parse_batch", "/v1/schema": "schema",
             "/v1/pipelines": "pipelines", "/healthz": "healthz", "/readyz": "readyz", "/metrics": "metrics",
             "/docs": "docs", "/openapi.json": "openapi"}


# request and response models ---------------------------------------------------------------------

def _id_text(value: Any) -> Any:
    # chat and user ids are often numbers (Telegram): take them, as text
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


IdText = Annotated[str, BeforeValidator(_id_text)]


class MessageIn(BaseModel):
    """One message of a batch."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The message as the channel wrote it.")
    id: str | int | None = Field(None, description="Your id for it, echoed in the answer.")
    provider: IdText | None = Field(None, description="The channel or source; may pick a pipeline "
                                                      "([providers.NAME]) and routes A/B experiments by channel.")
    chat_id: IdText | None = None
    user_id: IdText | None = Field(None, description="The user it is parsed for: the unit of an A/B experiment.")
    message_id: IdText | None = None
    reply_to: IdText | None = None


class ParseRequest(MessageIn):
    """One message to parse."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360", "user_id": "u-17"}]})

    pipeline: str | None = Field(None, description="A pipeline of signalos.toml; default: the service's. A "
                                                   "named pipeline is never routed to an experiment.")
    attempts: bool = Field(False, description="Include every parser's attempt.")


class BatchRequest(BaseModel):
    """Many messages, parsed together and answered in order."""

    model_config = ConfigDict(extra="forbid")

    messages: list[MessageIn] = Field(min_length=1, description="At most [serve] max_batch (default 1000).")
    pipeline: str | None = None
    attempts: bool = False


class ActionOut(BaseModel):
    type: Literal[ACTION_TYPES]  # type: ignore[valid-type]
    price: float | None
    percent: float | None
    tp: int | None


class AttemptOut(BaseModel):
    parser: str
    plugin: str | None
    accepted: bool
    reason: str
    error: str | None
    elapsed_ms: float
    kind: str | None
    confidence: float | None


class ParseResponse(BaseModel):
    """A result of the signal schema v1 (the keys of its kind), what the chain knows of it, and
    where it was logged and routed."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[KINDS]  # type: ignore[valid-type]
    symbol: str | None = Field(None, description="signal and update")
    direction: Literal[DIRECTIONS] | None = Field(None, description="signal")  # type: ignore[valid-type]
    order_type: Literal[ORDER_TYPES] | None = Field(None, description="signal")  # type: ignore[valid-type]
    entry: list[float] | None = Field(None, description="signal: ascending")
    stop_loss: float | None = None
    take_profits: list[float] | None = None
    leverage: float | None = None
    stop_loss_pips: float | None = None
    take_profit_pips: list[float] | None = None
    actions: list[ActionOut] | None = Field(None, description="update")
    parser: str | None = Field(description="The parser that answered (name@version for a model).")
    confidence: float
    accepted: bool = Field(description="Validated and confident enough: never trade a result that is not.")
    spans: dict[str, list[list[int]]] = Field(description="Character ranges of the text each field was read from.")
    warnings: list[str]
    attempts: list[AttemptOut] | None = None
    parse_uid: str | None = Field(description="The parse-log row of this parse (outcomes are joined by it); "
                                              "null when logging is off.")
    pipeline: str
    experiment: str | None = Field(description="The A/B experiment that routed it, if any.")
    variant: str | None
    elapsed_ms: float = Field(description="The chain's time for this message.")
    id: str | int | None = None


class BatchResponse(BaseModel):
    results: list[ParseResponse]
    count: int
    elapsed_ms: float


class ErrorResponse(BaseModel):
    error: str
    details: list[Any] | None = None


ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 413, 422, 503)}


# encoding and errors -----------------------------------------------------------------------------

_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
_ENCODE_ASCII = json.JSONEncoder(ensure_ascii=True, default=str).encode


def dumps(obj: Any) -> bytes:
    """JSON bytes of an answer: a NaN or infinity a plugin answered becomes null, a lone
    surrogate of the text an escape, so the body is always valid JSON in UTF-8."""
    try:
        return _ENCODE(obj).encode("utf-8")
    except ValueError:  # NaN / inf (UnicodeEncodeError is a ValueError too)
        return _ENCODE_ASCII(_finite(obj)).encode("ascii")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def error_response(status: int, message: str, details: list[Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if details:
        body["details"] = details
    return Response(dumps(body), status_code=status, media_type=JSON_TYPE, headers=headers)


def _validation_details(exc: ValidationError | RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]


def _validate(model: type[BaseModel], body: bytes) -> BaseModel | Response:
    """The body as ``model``; an error response when it is not JSON (400) or not that (422)."""
    if not body:
        return error_response(400, "the request has no body: send a JSON object")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        if exc.errors()[0].get("type") != "json_invalid":
            return error_response(422, "the request does not match the API: " + _summary(exc),
                                  _validation_details(exc))
        first = exc
    try:
        # pydantic's reader refuses a lone surrogate escape ("\ud800"), which JSON allows and
        # Python writes: the standard reader takes it, the parsers cope with the text
        data = json.loads(body)
    except (ValueError, RecursionError):
        return error_response(400, "the body is not JSON: " + first.errors()[0].get("msg", "invalid JSON"))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return error_response(422, "the request does not match the API: " + _summary(exc), _validation_details(exc))


def _summary(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors()[:3]:
        loc = ".".join(str(p) for p in e.get("loc", ())) or "body"
        parts.append(f"{loc}: {e.get('msg')}")
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


class _FastRoute(APIRoute):
    """A route documented by FastAPI from its endpoint (``async def f(body: Model) -> dict``
    with ``response_model``), run without FastAPI's request machinery: ``answer(body)``
    validates the body with the endpoint's model, awaits the endpoint and encodes its dict as
    JSON. :class:`Gate` calls ``answer`` itself for these paths, with the body it has read."""

    def get_route_handler(self):
        import typing

        hints = typing.get_type_hints(self.endpoint)
        model = next(v for k, v in hints.items() if k != "return")
        endpoint = self.endpoint

        async def answer(body: bytes) -> Response:
            parsed = _validate(model, body)
            if isinstance(parsed, Response):
                return parsed
            try:
                result = await endpoint(parsed)
            except RequestError as exc:
                return error_response(exc.status, str(exc))
            return Response(dumps(result), media_type=JSON_TYPE)

        async def handler(request: Request) -> Response:
            return await answer(await request.body())

        self.answer = answer
        return handler


# the middleware: token, body limit, request metrics ----------------------------------------------

class Gate:
    """Pure ASGI middleware (no per-request task or body copy beyond the one read): refuses a
    request without the bearer token (when one is set) and a body over ``max_body_bytes``, and
    counts every request by endpoint and status."""

    def __init__(self, app: Any, service: Service, fast: dict[str, Any] | None = None):
        self.app = app
        self.service = service
        # POST path -> answer(body) of a _FastRoute: the parse routes, answered here without
        # the framework's routing and request objects (their cost is that of a rules parse)
        self.fast = fast or {}
        token = service.settings.token
        self.expected = f"Bearer {token}".encode("utf-8") if token else None
        self.max_body = service.settings.max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        path = scope["path"]
        status = [500]

        async def send_counted(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            refusal = self._refuse(scope)
            body = None
            if refusal is None and scope["method"] in ("POST", "PUT", "PATCH"):
                refusal, body, receive = await self._read_body(scope, receive)
            if refusal is not None:
                await refusal(scope, receive, send_counted)
            elif body is not None and path in self.fast and scope["method"] == "POST":
                await (await self.fast[path](body))(scope, receive, send_counted)
            else:
                await self.app(scope, receive, send_counted)
        finally:
            self.service.metrics.observe_request(ENDPOINTS.get(path, "other"), status[0],
                                                 time.perf_counter() - start)

    def _refuse(self, scope) -> Response | None:
        if self.expected is None or scope["path"] in PUBLIC_PATHS:
            return None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if hmac.compare_digest(value, self.expected):
                    return None
                break
        return error_response(401, "missing or wrong bearer token (Authorization: Bearer TOKEN)",
                              headers={"WWW-Authenticate": "Bearer"})

    async def _read_body(self, scope, receive):
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return error_response(400, "Content-Length is not a number"), None, receive
                if declared > self.max_body:
                    return self._too_large(), None, receive
                break
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None, None, receive
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:  # a chunked body without a length is counted as it comes
                return self._too_large(), None, receive
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return None, body, replay

    def _too_large(self) -> Response:
        return error_response(413, f"the body is larger than {self.max_body} bytes ([serve] max_body_bytes)")


# the application ---------------------------------------------------------------------------------

def create_app(service: Service) -> FastAPI:
    """The ASGI application serving ``service``; it starts the service if it is not started,
    and closes it (flushing the parse log) when the server shuts down."""
    import contextlib

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if not service.started:
            await anyio.to_thread.run_sync(service.start)
        yield
        service.summary = await anyio.to_thread.run_sync(service.close)

    app = FastAPI(title="signalos", version=__version__, lifespan=lifespan, redoc_url=None,
                  description="Trading-signal messages in, validated structured orders out. Every error is "
                              "`{\"error\": ...}` with a 4xx status; see docs/serving.md.", **_no_telemetry())
    threads = service.settings.threads
    limiter = anyio.CapacityLimiter(threads) if threads else None

    async def run(inline: bool, fn, *args, **kw):
        # A rules parse costs less than handing it to a thread and back, so it runs on the event
        # loop; a slow parser (a model) runs in a worker thread, so that the loop keeps answering
        # /healthz and /metrics meanwhile (see Service.inline).
        if inline or limiter is None:
            return fn(*args, **kw)
        return await anyio.to_thread.run_sync(lambda: fn(*args, **kw), limiter=limiter)

    hot = APIRouter(route_class=_FastRoute)

    @hot.post("/v1/parse", response_model=ParseResponse, responses=ERRORS, tags=["parse"],
              summary="Parse one message")
    async def parse(body: ParseRequest) -> dict:
        """Parse one message. With ``user_id``, ``chat_id`` or ``provider`` and no ``pipeline``, a
        running A/B experiment picks the variant; every parse goes to the parse log."""
        fields = body.model_dump(exclude={"pipeline", "attempts"})
        return await run(service.inline(body.pipeline), service.parse, fields, pipeline=body.pipeline,
                         attempts=body.attempts)

    @hot.post("/v1/parse/batch", response_model=BatchResponse, responses=ERRORS, tags=["parse"],
              summary="Parse many messages")
    async def parse_batch(body: BatchRequest) -> dict:
        """Parse many messages in one request, answered in order (each carries its ``id``)."""
        start = time.perf_counter()
        items = [m.model_dump() for m in body.messages]
        # a batch is long work whatever the parser: always in a thread (threads = 0: on the loop)
        results = await run(False, service.parse_batch, items, pipeline=body.pipeline, attempts=body.attempts)
        return {"results": results, "count": len(results), "elapsed_ms": round((time.perf_counter() - start) * 1e3, 3)}

    app.include_router(hot)  # each route keeps its class

    @app.get("/v1/schema", tags=["about"], summary="The result schema")
    async def schema() -> dict:
        """The JSON Schema of a parse answer and the vocabulary of the signal schema v1."""
        return {"version": "v1", "kinds": list(KINDS), "directions": list(DIRECTIONS),
                "order_types": list(ORDER_TYPES), "action_types": list(ACTION_TYPES),
                "result": ParseResponse.model_json_schema()}

    @app.get("/v1/pipelines", tags=["about"], summary="The configured pipelines")
    async def pipelines() -> dict:
        return {"default": service.host.config.pipeline().name, "pipelines": service.pipelines()}

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict:
        return {"status": "ok", "version": __version__, "uptime_s": round(time.time() - service.started_at, 3)}

    @app.get("/readyz", tags=["operations"], summary="Readiness", responses={503: {"model": ErrorResponse}})
    async def readyz() -> Response:
        ready, detail = service.readiness()
        return Response(dumps(detail if ready else {"error": "not ready", **detail}), status_code=200 if ready else 503,
                        media_type=JSON_TYPE)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics",
             response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    async def metrics() -> Response:
        from signalos.serve.metrics import CONTENT_TYPE

        return Response(service.metrics.render(), media_type=CONTENT_TYPE)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(422, "the request does not match the API", _validation_details(exc))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        # a bug of signalos or of a plugin, never a bad request: said as JSON, with the cause
        return error_response(500, f"internal error: {type(exc).__name__}: {exc}")

    if service.settings.token:
        _document_bearer(app)
    fast = {route.path: route.answer for route in hot.routes if isinstance(route, _FastRoute)}
    app.add_middleware(Gate, service=service, fast=fast)
    return app


def _no_telemetry() -> dict[str, Any]:
    """FastAPI 0.16x traces every request through OpenTelemetry unless told not to: with no
    exporter configured that is work for nothing on every parse, and /metrics already counts
    requests. Older versions have no such option."""
    import inspect

    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}


def _document_bearer(app: FastAPI) -> None:
    """Declare the bearer token in the OpenAPI document, so /docs has an Authorize button."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = base()
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http", "scheme": "bearer"}
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
