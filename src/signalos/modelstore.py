"""The model registry: trained artefacts under ``models/<name>/<version>/`` and their rows.

Every artefact directory holds the model's own files (spaCy's format, safetensors, JSON: never a
pickle) and ``manifest.json``: name, semantic version, kind, base model and its hash, dataset
split hash, hyper-parameters, metrics per epoch, size, training time, library versions and the
sha256 of every file, so a damaged file is named when the model is loaded.

A model is named ``name`` (the ``production`` alias, else the latest version), ``name@1.2.0``,
``name@production`` or ``name@latest``. Aliases live in the ``aliases`` table and every move is
appended to ``alias_history``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import stat
import uuid
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import SignalosError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
DEFAULT_ALIAS = "production"
ALIASES = ("production", "staging", "candidate")
# fullmatch, never ``$``: "name\n" must not pass (``$`` also matches before a final newline)
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")


class ModelNotFoundError(SignalosError):
    """A model name, version or alias that the registry does not hold. Seen by CLI users and by
    a chain naming ``component@version``; the message lists what exists."""


class ModelLoadError(SignalosError):
    """A model directory is damaged: a missing or altered file, an unreadable manifest. The
    message names the file. Raised when a parser loads its model, so the chain records it as a
    failed attempt and moves on to the next parser."""


def parse_version(version: str) -> tuple[int, int, int]:
    m = _SEMVER.fullmatch(version) if isinstance(version, str) else None
    if not m:
        raise SignalosError(f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return int(m[1]), int(m[2]), int(m[3])


def split_spec(spec: str) -> tuple[str, str | None]:
    """``"spacy-ner@production"`` → ``("spacy-ner", "production")``; no ``@`` → ``(spec, None)``."""
    name, sep, ref = spec.partition("@")
    return name, (ref or None) if sep else None


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def library_versions(packages: Iterable[str] = ("signalos", "spacy", "torch", "transformers", "peft",
                                                "accelerate", "safetensors", "tokenizers", "numpy")) -> dict[str, str]:
    """Versions of the libraries a model was trained with (those installed), and Python's."""
    out = {"python": platform.python_version()}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@attrs.frozen
class Manifest:
    """What ``manifest.json`` says about one trained artefact."""

    name: str
    version: str
    kind: str
    created_at: str = attrs.field(factory=_now)
    base_model: str | None = None
    base_sha256: str | None = None
    split_hash: str | None = None
    hyperparameters: dict[str, Any] = attrs.field(factory=dict)
    epochs: list[dict[str, Any]] = attrs.field(factory=list)  # metrics per epoch
    metrics: dict[str, Any] = attrs.field(factory=dict)  # final figures (validation, test)
    calibration: dict[str, Any] | None = None
    training_seconds: float | None = None
    data: dict[str, Any] = attrs.field(factory=dict)  # counts per split, sources
    libraries: dict[str, str] = attrs.field(factory=library_versions)
    files: dict[str, dict[str, Any]] = attrs.field(factory=dict)  # relative path -> size, sha256
    size_bytes: int = 0
    extra: dict[str, Any] = attrs.field(factory=dict)
    format: int = MANIFEST_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in attrs.fields(cls)}
        missing = [k for k in ("name", "version", "kind") if not data.get(k)]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        for key in ("name", "version", "kind"):
            if not isinstance(data[key], str):
                raise ValueError(f"{key} is not a string")
        if not isinstance(data.get("files", {}), dict) or not all(
                isinstance(v, dict) for v in data.get("files", {}).values()):
            raise ValueError("files is not a table of file entries")
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


@attrs.frozen
class ModelRef:
    """A resolved model: its directory and manifest (verified when loaded with ``verify``)."""

    name: str
    version: str
    path: Path
    manifest: Manifest
    alias: str | None = None

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


def file_table(root: Path) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file under ``root`` but the manifest, by relative path."""
    files = {}
    for rel in _files_under(root):
        p = root / rel
        files[rel] = {"size": p.stat().st_size, "sha256": sha256_file(p)}
    return files


def _files_under(root: Path) -> list[str]:
    """Relative paths of the files under ``root`` but the top manifest; a link counts as a file
    (it is then refused by ``verify_files``, whatever it points at)."""
    out = []
    for p in sorted(root.rglob("*")):
        if (p.is_symlink() or p.is_file()) and p.relative_to(root).as_posix() != MANIFEST:
            out.append(p.relative_to(root).as_posix())
    return out


def read_manifest(path: str | os.PathLike, *, verify: bool = True) -> Manifest:
    """The manifest of a model directory; with ``verify``, every file it lists is checked (present,
    same size, same sha256). Raises ModelLoadError naming the file at fault."""
    root = Path(path)
    mpath = root / MANIFEST
    if not root.is_dir():
        raise ModelLoadError(f"model directory not found: {root}")
    try:
        manifest = Manifest.from_dict(json.loads(mpath.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ModelLoadError(f"damaged model: {mpath} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError) as exc:
        raise ModelLoadError(f"damaged model: {mpath} is unreadable ({type(exc).__name__}: {exc})") from None
    if verify:
        verify_files(root, manifest)
    return manifest


def verify_files(root: Path, manifest: Manifest) -> None:
    """Check every file the manifest lists, and that it lists every file there; the first one
    that differs is named in the error.

    A listed path must be a plain file inside ``root``: a manifest naming ``/dev/zero`` or
    ``../../etc/shadow`` (or a link to them) would make loading hang or tell that file's size.
    A file the manifest does not list (a ``pytorch_model.bin`` dropped beside the safetensors)
    could be read by a loader that looks for it, so it fails the check too."""
    for rel, info in manifest.files.items():
        p = contained_file(root, rel, manifest.spec)
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            raise ModelLoadError(f"damaged model {manifest.spec}: {p} is missing") from None
        if size != info.get("size"):
            raise ModelLoadError(f"damaged model {manifest.spec}: {p} has {size} bytes, the manifest says "
                                 f"{info.get('size')}")
        # sizes catch truncation cheaply; the hash catches a file altered in place
        if info.get("sha256") and sha256_file(p) != info["sha256"]:
            raise ModelLoadError(f"damaged model {manifest.spec}: {p} does not match its sha256 in the manifest")
    for key in PATH_KEYS:
        if key in manifest.extra:
            contained_dir(root.parent.parent, manifest.extra[key], f"model {manifest.spec}: its manifest's {key}")
    unlisted = [rel for rel in _files_under(root) if rel not in manifest.files]
    if unlisted:
        more = f" and {len(unlisted) - 1} more" if len(unlisted) > 1 else ""
        raise ModelLoadError(f"model {manifest.spec}: {root / unlisted[0]}{more} not listed in its manifest; "
                             "remove what does not belong to the model")


def contained_file(root: Path, rel: str, spec: str = "") -> Path:
    """``root / rel`` when ``rel`` names a regular file inside ``root`` (no absolute path, no
    ``..``, no link out, no device or pipe); a missing file is returned for the caller to report.
    Anything else is a ModelLoadError naming the entry."""
    what = f"model {spec}: " if spec else ""
    pure = Path(rel) if isinstance(rel, str) else None
    if pure is None or not rel or pure.is_absolute() or ".." in pure.parts or "\0" in rel:
        raise ModelLoadError(f"{what}the manifest lists {rel!r}, which is not a path inside its directory")
    p = root / pure
    if not p.exists() and not p.is_symlink():
        return p
    real_root = root.resolve()
    real = p.resolve()
    if p.is_symlink() or real_root not in real.parents:
        raise ModelLoadError(f"{what}{p} leads outside its model directory")
    if not stat.S_ISREG(real.stat().st_mode):
        raise ModelLoadError(f"{what}{p} is not a regular file")
    return p


# Keys of a manifest's ``extra`` naming a directory that loading the model reads (the llm
# adapter's base model). Each must lie inside the ``models/`` directory holding the model
# (``models/.bases/...``): a manifest is data anyone with the workspace can edit, and a path to
# ``/srv/other-tenant/model`` or ``/etc`` must not become a load. Written relative to ``models/``.
PATH_KEYS = ("base_dir",)


def contained_dir(models_root: Path, value: Any, what: str) -> Path:
    """The directory ``value`` names (relative to ``models_root``, or absolute), resolved, when
    it lies inside ``models_root`` once links are followed; ModelLoadError otherwise."""
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise ModelLoadError(f"{what} is not a path: {value!r}")
    path = Path(value)
    real_root = Path(models_root).resolve()
    real = (path if path.is_absolute() else real_root / path).resolve()
    if real_root not in real.parents:
        raise ModelLoadError(f"{what} {value!r} is outside the workspace's models directory {real_root}: "
                             "a model loads only what its workspace holds (train it again with --base to "
                             "copy the base in)")
    return real


def base_dir(ref: ModelRef, key: str = "base_dir") -> Path:
    """The base model directory an adapter model applies to (``extra[key]`` of its manifest),
    confined to the models directory that holds the model; ModelLoadError when it names none or
    one outside."""
    what = f"model {ref.spec}: its manifest's {key}"
    if key not in ref.manifest.extra:
        raise ModelLoadError(f"model {ref.spec}: its manifest names no {key} (the base model to load)")
    return contained_dir(ref.path.parent.parent, ref.manifest.extra[key], what)


class ModelStore:
    """The registry of one workspace: directories under ``models/`` and the rows that index them.

    The files are the truth (a copied ``models/`` directory still loads); the ``models`` table
    makes listing fast and ``aliases``/``alias_history`` record which version serves.
    """

    def __init__(self, workspace: Any):
        from signalos.store import Workspace

        self.workspace = workspace if isinstance(workspace, Workspace) else Workspace(workspace)

    @property
    def root(self) -> Path:
        return self.workspace.models_dir

    @property
    def db(self):
        return self.workspace.db

    def close(self) -> None:
        self.workspace.close()

    # writing ------------------------------------------------------------------------------------
    def staging_dir(self, name: str) -> Path:
        """A fresh directory to save a model into before ``commit`` gives it a version."""
        check_name(name)
        path = self.root / name / f".staging-{uuid.uuid4().hex[:12]}"
        path.mkdir(parents=True)
        return path

    def next_version(self, name: str, bump: str = "minor") -> str:
        versions = self.versions(name)
        if not versions:
            return "0.1.0"
        major, minor, patch = parse_version(versions[-1])
        if bump == "major":
            return f"{major + 1}.0.0"
        if bump == "patch":
            return f"{major}.{minor}.{patch + 1}"
        return f"{major}.{minor + 1}.0"

    def commit(self, staging: Path, manifest: Manifest, *, alias: str | None = None) -> ModelRef:
        """Give a staged directory its version: hash its files, write the manifest, move it into
        place and add its row. The version is the manifest's, or the next minor one when empty."""
        check_name(manifest.name)
        version = manifest.version or self.next_version(manifest.name)
        parse_version(version)
        target = self.root / manifest.name / version
        if target.exists():
            raise SignalosError(f"model {manifest.name}@{version} already exists at {target}")
        files = file_table(staging)
        size = sum(f["size"] for f in files.values())
        manifest = attrs.evolve(manifest, version=version, files=files, size_bytes=size)
        (staging / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
        os.replace(staging, target)
        self._upsert_row(manifest, target)
        ref = ModelRef(manifest.name, version, target, manifest)
        if alias:
            self.set_alias(manifest.name, alias, version, reason="trained")
        return ref

    def _upsert_row(self, manifest: Manifest, path: Path) -> None:
        row = {
            "name": manifest.name, "version": manifest.version, "kind": manifest.kind, "path": str(path),
            "base_model": manifest.base_model, "base_sha256": manifest.base_sha256,
            "split_hash": manifest.split_hash, "metrics": json.dumps(manifest.metrics),
            "manifest": json.dumps(manifest.to_dict()), "size_bytes": manifest.size_bytes,
            "created_at": manifest.created_at,
        }
        with self.db.conn:
            self.db.execute("DELETE FROM models WHERE name = ? AND version = ?", [manifest.name, manifest.version])
            self.db["models"].insert(row)

    def set_alias(self, name: str, alias: str, version: str, *, reason: str = "", actor: str | None = None) -> None:
        """Point ``alias`` of model ``name`` at ``version``, recording the move."""
        check_name(name)
        if version not in self.versions(name):
            raise ModelNotFoundError(f"model {name}@{version} does not exist; versions: "
                                     f"{', '.join(self.versions(name)) or 'none'}")
        if not isinstance(alias, str) or not _NAME.fullmatch(alias) or _SEMVER.fullmatch(alias) or alias == "latest":
            raise SignalosError(f"invalid alias {alias!r}: lower-case words, not a version and not 'latest'")
        previous = self.alias(name, alias)
        now = _now()
        with self.db.conn:
            self.db["aliases"].upsert({"name": name, "alias": alias, "version": version, "updated_at": now},
                                      pk=("name", "alias"))
            self.db["alias_history"].insert({
                "name": name, "alias": alias, "version": version, "previous": previous, "moved_at": now,
                "reason": reason, "actor": actor or os.environ.get("USER") or "signalos",
            })

    # reading ------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        found = {r["name"] for r in self.db.query("SELECT DISTINCT name FROM models")}
        if self.root.is_dir():
            found |= {p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")}
        return sorted(n for n in found if valid_name(n))

    def versions(self, name: str) -> list[str]:
        """The versions of a model, oldest first (semantic order), from its directories."""
        check_name(name)
        d = self.root / name
        if not d.is_dir():
            return []
        out = [p.name for p in d.iterdir() if p.is_dir() and not p.is_symlink() and _SEMVER.fullmatch(p.name)]
        return sorted(out, key=parse_version)

    def alias(self, name: str, alias: str) -> str | None:
        rows = list(self.db.query("SELECT version FROM aliases WHERE name = ? AND alias = ?", [name, alias]))
        return rows[0]["version"] if rows else None

    def aliases(self, name: str) -> dict[str, str]:
        return {r["alias"]: r["version"] for r in self.db.query(
            "SELECT alias, version FROM aliases WHERE name = ? ORDER BY alias", [name])}

    def alias_history(self, name: str) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM alias_history WHERE name = ? ORDER BY id", [name]))

    def resolve(self, spec: str, *, verify: bool = False) -> ModelRef:
        """A model by ``name``, ``name@version``, ``name@alias`` or ``name@latest``.

        A bare name is its ``production`` alias when set, else its latest version. With
        ``verify`` every file is checked against the manifest (ModelLoadError names the file).
        """
        name, ref = split_spec(spec)
        versions = self.versions(name)
        if not versions:
            known = ", ".join(self.names()) or "none"
            raise ModelNotFoundError(f"no trained model {name!r} in {self.root}; models: {known}")
        alias = None
        if ref is None:
            version = self.alias(name, DEFAULT_ALIAS) or versions[-1]
            alias = DEFAULT_ALIAS if self.alias(name, DEFAULT_ALIAS) else None
        elif ref == "latest":
            version = versions[-1]
        elif _SEMVER.fullmatch(ref):
            version = ref
        else:
            alias, version = ref, self.alias(name, ref)
            if version is None:
                known = ", ".join(f"{a}={v}" for a, v in self.aliases(name).items()) or "none"
                raise ModelNotFoundError(f"model {name!r} has no alias {ref!r}; aliases: {known}")
        if version not in versions:
            raise ModelNotFoundError(f"model {name}@{version} does not exist; versions: {', '.join(versions)}")
        path = self.root / name / version
        manifest = read_manifest(path, verify=verify)
        if (manifest.name, manifest.version) != (name, version):
            raise ModelLoadError(f"damaged model: {path / MANIFEST} says {manifest.spec}, not {name}@{version}")
        return ModelRef(name, version, path, manifest, alias)

    def entries(self) -> list[dict[str, Any]]:
        """One row per version of every model: name, version, kind, size, created, aliases, main metric."""
        out = []
        for name in self.names():
            aliases = self.aliases(name)
            for version in self.versions(name):
                try:
                    m = read_manifest(self.root / name / version, verify=False)
                except ModelLoadError as exc:
                    out.append({"name": name, "version": version, "error": str(exc)})
                    continue
                out.append({
                    "name": name, "version": version, "kind": m.kind, "created_at": m.created_at,
                    "size_bytes": m.size_bytes, "training_seconds": m.training_seconds,
                    "base_model": m.base_model, "split_hash": m.split_hash,
                    "aliases": sorted(a for a, v in aliases.items() if v == version),
                    "metrics": m.metrics, "path": str(self.root / name / version),
                })
        return out


def valid_name(name: object) -> bool:
    """Whether ``name`` can name a model: one directory under ``models/``, never a path."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def check_name(name: str) -> None:
    """Refuse a model name that is not one plain directory name (``../x``, ``/tmp/x``, ``x\n``):
    every read and write of the registry goes through here before it builds a path."""
    if not valid_name(name):
        raise SignalosError(f"invalid model name {name!r}: lower-case letters, digits, '.', '_' or '-', "
                            "starting with a letter or digit, at most 128 characters")


def discard(path: Path) -> None:
    """Remove a staging directory after a failed training run."""
    shutil.rmtree(path, ignore_errors=True)


def model_for_parser(host: Any, component: str, options: dict[str, Any]) -> ModelRef:
    """The model a learned parser serves, from its options: ``path`` (a model directory) or
    ``model`` (a version or alias of ``component``, as in ``spacy-ner@production``); verified."""
    if options.get("path"):
        base = Path(getattr(host.config, "base_dir", ".") or ".") if host is not None else Path(".")
        path = Path(options["path"])
        path = path if path.is_absolute() else base / path
        manifest = read_manifest(path, verify=True)
        return ModelRef(manifest.name, manifest.version, path, manifest)
    store = ModelStore(options.get("workspace") or host.workspace)
    try:
        ref = options.get("model")
        return store.resolve(f"{options.get('name', component)}@{ref}" if ref else options.get("name", component),
                             verify=True)
    finally:
        store.close()
