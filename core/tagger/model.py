"""A WD14-family tagger: a folder with ``model.onnx`` and ``selected_tags.csv``.

Everything about the input (name, size, layout, a fixed batch dimension) is read from the
model, never assumed. The execution provider is chosen CUDA, then ROCm, then CoreML, then
CPU, and the one onnxruntime actually runs with is reported: onnxruntime silently falls
back to the CPU when a GPU provider is listed but its libraries fail to load.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from lorapan.core.tagger.labels import TagList, TagListError, read_tag_csv

MODEL_FILE = "model.onnx"
TAGS_FILE = "selected_tags.csv"
DEFAULT_SIZE = 448
PROVIDER_ORDER = (
    "CUDAExecutionProvider",
    "ROCMExecutionProvider",
    "CoreMLExecutionProvider",
    "CPUExecutionProvider",
)
HOW_TO_GET = (
    "on a machine with network access run\n"
    "    huggingface-cli download SmilingWolf/wd-vit-tagger-v3 model.onnx selected_tags.csv "
    "--local-dir wd-vit-tagger-v3\n"
    "  (or `pip install lorapan[hub]` and the same there), copy the folder to {models_dir}/ "
    "and run `lorapan models`; or pass --model DIR"
)


class ModelError(Exception):
    """A model cannot be used; ``hint`` says what to do about it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def models_dir() -> Path:
    """The user's models folder: ``<user data dir>/lorapan/models``."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("lorapan")) / "models"


def how_to_get() -> str:
    return HOW_TO_GET.format(models_dir=models_dir())


def is_model_dir(path: Path) -> bool:
    return (path / MODEL_FILE).is_file() and (path / TAGS_FILE).is_file()


def find_models(extra: Iterable[Path | str | None] = ()) -> list[Path]:
    """Model folders in the user's models folder and in ``extra`` paths (a model or a parent)."""
    found: list[Path] = []
    for base in [models_dir(), *(Path(p).expanduser() for p in extra if p)]:
        if is_model_dir(base):
            candidates = [base]
        elif base.is_dir():
            candidates = sorted(p for p in base.iterdir() if p.is_dir() and is_model_dir(p))
        else:
            candidates = []
        for c in candidates:
            if c.resolve() not in {f.resolve() for f in found}:
                found.append(c)
    return found


def resolve_model(explicit: str | Path | None, configured: str | Path | None = None) -> Path:
    """The model folder to use: ``--model``, then the dataset setting, then the only one found."""
    for source, value in (
        ("--model", explicit),
        ("the dataset's tagger.model setting", configured),
    ):
        if value:
            path = Path(value).expanduser()
            if is_model_dir(path):
                return path
            missing = [n for n in (MODEL_FILE, TAGS_FILE) if not (path / n).is_file()]
            raise ModelError(
                f"{source} {path} is not a tagger folder (missing {', '.join(missing)})",
                how_to_get(),
            )
    models = find_models()
    if len(models) == 1:
        return models[0]
    if not models:
        raise ModelError("no tagger model found", how_to_get())
    names = ", ".join(str(m) for m in models)
    raise ModelError(f"several models found ({names})", "choose one with --model DIR")


def model_id(folder: Path) -> str:
    """Folder name plus a short fingerprint of model.onnx (size, head and tail): stable and fast."""
    path = folder / MODEL_FILE
    size = path.stat().st_size
    digest = hashlib.sha1(str(size).encode())
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
        if size > 2 << 20:
            fh.seek(-(1 << 20), os.SEEK_END)
            digest.update(fh.read())
    return f"{folder.resolve().name}-{digest.hexdigest()[:10]}"


def choose_providers(available: Iterable[str]) -> list[str]:
    have = set(available)
    chosen = [p for p in PROVIDER_ORDER if p in have]
    return chosen or ["CPUExecutionProvider"]


@dataclass(frozen=True)
class InputSpec:
    name: str
    output_name: str
    height: int
    width: int
    fixed_batch: int | None  # a positive first dimension the model insists on


def _dim(value: object) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def read_input_spec(session) -> InputSpec:
    """Input name, NHWC size and fixed batch from the session; refuse other layouts."""
    inp = session.get_inputs()[0]
    out = session.get_outputs()[0]
    shape = list(inp.shape)
    if len(shape) != 4:
        raise ModelError(f"the model's input {inp.name!r} has shape {shape}, expected 4 dimensions")
    if _dim(shape[3]) != 3:
        raise ModelError(
            f"the model's input {inp.name!r} has shape {shape}: not NHWC with 3 channels",
            "lorapan runs WD14-style taggers (SmilingWolf wd-*: BGR, 0-255, NHWC)",
        )
    height = _dim(shape[1]) or DEFAULT_SIZE
    width = _dim(shape[2]) or height
    if height != width:
        raise ModelError(
            f"the model's input {inp.name!r} is {height}x{width}; WD14 taggers take a square image"
        )
    return InputSpec(inp.name, out.name, height, width, _dim(shape[0]))


class TaggerModel:
    """An onnxruntime session plus its tag list; ``provider`` is the one actually running."""

    def __init__(
        self,
        folder: Path,
        session,
        tags: TagList,
        spec: InputSpec,
        requested: list[str] | None = None,
    ) -> None:
        self.folder = folder
        self.session = session
        self.tags = tags
        self.spec = spec
        self.id = model_id(folder)
        self.provider = session.get_providers()[0]
        self.requested = requested or [self.provider]

    @property
    def fallback_note(self) -> str | None:
        """Set when a preferred provider was available but onnxruntime did not start it."""
        wanted = self.requested[0]
        if wanted == self.provider:
            return None
        return f"{wanted} is installed but did not start (drivers or CUDA/cuDNN libraries); running on {self.provider}"

    @classmethod
    def open(
        cls, folder: Path | str, providers: list[str] | None = None, threads: int = 0
    ) -> TaggerModel:
        import onnxruntime as ort

        folder = Path(folder)
        if not is_model_dir(folder):
            raise ModelError(
                f"{folder} is not a tagger folder (needs {MODEL_FILE} and {TAGS_FILE})",
                how_to_get(),
            )
        try:
            tags = read_tag_csv(folder / TAGS_FILE)
        except TagListError as exc:
            raise ModelError(str(exc)) from exc
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if threads:
            opts.intra_op_num_threads = threads
        chosen = providers or choose_providers(ort.get_available_providers())
        if chosen[0] == "CPUExecutionProvider":
            # Idle inference threads would otherwise spin and take the cores the
            # decode/preprocess pool needs while the model runs.
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = ort.InferenceSession(
                str(folder / MODEL_FILE), sess_options=opts, providers=chosen
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{folder / MODEL_FILE}: onnxruntime cannot load it ({exc})") from exc
        spec = read_input_spec(session)
        width = session.get_outputs()[0].shape[-1]
        if isinstance(width, int) and width != len(tags):
            raise ModelError(_width_message(folder, width, len(tags)))
        return cls(folder, session, tags, spec, chosen)

    @property
    def name(self) -> str:
        return self.folder.name

    def batch_size(self, wanted: int) -> int:
        """The batch to use: a fixed-batch model (convnext/moat v2: 1) overrides ``wanted``."""
        return self.spec.fixed_batch or max(1, wanted)

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities for an (n, H, W, 3) float32 batch; pads to a fixed batch if needed."""
        n = batch.shape[0]
        fixed = self.spec.fixed_batch
        if fixed and n != fixed:
            if n > fixed:
                return np.concatenate([self.run(batch[i : i + fixed]) for i in range(0, n, fixed)])
            pad = np.zeros((fixed - n, *batch.shape[1:]), dtype=batch.dtype)
            batch = np.concatenate([batch, pad])
        probs = self.session.run([self.spec.output_name], {self.spec.name: batch})[0]
        if probs.shape[-1] != len(self.tags):
            raise ModelError(_width_message(self.folder, probs.shape[-1], len(self.tags)))
        return np.asarray(probs[:n], dtype=np.float32)


def _width_message(folder: Path, width: int, rows: int) -> str:
    return (
        f"{folder}: the model gives {width} scores per image but {TAGS_FILE} has {rows} tags; "
        "the two files come from different taggers - download both from the same repository"
    )
