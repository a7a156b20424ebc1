"""Save and load fitted predictors: a directory of JSON plus the model's own format.

``predictor.json`` names the class and its parameters; the class writes its state beside it
(XGBoost's JSON model, a torch ``state_dict`` loaded with ``weights_only=True``, or the
training set for models re-fitted on load), and a copy of the zero-cost scores file it was
fitted with (its ``proxy_scores``), so that its predictions do not change with that file.
The manifest also holds a hash of the scores naspredict shipped for the space: loading under
a naspredict that ships other scores warns (:class:`~naspredict.errors.StaleScoresWarning`).
Nothing is unpickled but a GNN's ``state_dict``, through torch's weights-only loader.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from naspredict import __version__
from naspredict.benchmark_data import bundled_scores_fingerprint
from naspredict.benchmark_data._safe_pickle import PICKLE_READ_ERRORS
from naspredict.errors import (
    BenchmarkFormatError,
    NasPredictError,
    StaleScoresWarning,
    UnknownNameError,
)
from naspredict.predictors._base import PRECOMPUTED, ArchPredictor

MANIFEST = "predictor.json"
#: Name (less the suffix) of the copy of a ``proxy_scores`` file saved with a predictor.
SCORES_STEM = "proxy_scores"
#: Everything else the predictor classes write beside the manifest (``_save_state``).
STATE_FILES = frozenset({"model.json", "state.json", "model.pt", "training.npz"})
#: The directories of a default predictor's GNNs (:func:`gnn_directory`).
_GNN_DIRECTORY = re.compile(r"gnn\d*")
#: What reading a damaged state may raise (besides naspredict's errors): a pickle's errors,
#: and a truncated ``.npz`` is a BadZipFile, a damaged torch file a RuntimeError.
_STATE_ERRORS = (*PICKLE_READ_ERRORS, RuntimeError, RecursionError, zipfile.BadZipFile)


def gnn_directory(k: int) -> str:
    """Where a saved default predictor keeps the state of its GNN ``k`` (``gnn``, ``gnn1``,
    ...: a save from before ``gnn_models`` reads as one GNN)."""
    return "gnn" if k == 0 else f"gnn{k}"


def save_predictor(predictor: ArchPredictor, directory: str | Path, **extra: object) -> None:
    """Write a fitted ``predictor`` to ``directory`` (replaced atomically).

    ``extra`` (JSON-able) is stored in the manifest, e.g. the target and table it was fit on.
    """
    from naspredict.predictors import PREDICTOR_CLASSES

    name = type(predictor).__name__
    if name not in PREDICTOR_CLASSES:
        raise UnknownNameError(f"{name} is not a naspredict predictor class and cannot be saved")
    predictor._check_fitted()
    params = predictor.get_params(deep=False)
    scores = params.get("proxy_scores")
    if scores is not None:  # saved with the model: predictions must not change with the file
        params = {**params, "proxy_scores": SCORES_STEM + Path(scores).suffix}
    try:
        manifest = json.dumps(
            {
                "class": name,
                "params": params,
                "version": __version__,
                "bundled_scores": bundled_scores_fingerprint(predictor.space_),
                **extra,
            },
            indent=2,
        )
    except TypeError as err:
        raise BenchmarkFormatError(
            f"{name} has parameters that are not plain values ({err}); pass names, not objects"
        ) from None
    directory = Path(directory).resolve()  # "." or a link: the directory itself
    check_save_directory(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    old = tmp.with_name(tmp.name + ".old")
    try:
        (tmp / MANIFEST).write_text(manifest + "\n")
        if scores is not None:
            shutil.copyfile(scores, tmp / params["proxy_scores"])
        predictor._save_state(tmp)
        # the earlier save is moved aside, not deleted, until the new one is in place
        here = Path.cwd()
        if directory.exists():
            os.replace(directory, old)
        os.replace(tmp, directory)
        if here == directory:  # saved as ".": stay in the directory, not in the old one
            os.chdir(directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def _probe_input(predictor: ArchPredictor) -> list[str] | np.ndarray:
    """One input ``predictor`` predicts: the space's first architecture, or a row of zeros
    for a predictor of precomputed features."""
    if predictor.get_params().get("encoding") == PRECOMPUTED:
        return np.zeros((1, predictor.n_features_in_))
    return predictor.space_.archs_from_codes([0])


def _saved_here(path: Path) -> bool:
    """Whether ``path``, in a directory with a manifest, is something a save writes: a state
    file, the scores copy, or a nested predictor's directory of state files."""
    if path.is_dir():
        return _GNN_DIRECTORY.fullmatch(path.name) is not None and all(
            child.is_file() and child.name in STATE_FILES for child in path.iterdir()
        )
    return path.name in STATE_FILES | {MANIFEST} or path.stem == SCORES_STEM


def check_save_directory(directory: str | Path) -> None:
    """Refuse (BenchmarkFormatError) a ``directory`` that :func:`save_predictor` must not
    replace: a file, or a folder that holds something other than a saved predictor."""
    directory = Path(directory)
    if not directory.exists():
        return
    if not directory.is_dir():
        raise BenchmarkFormatError(f"{directory} is a file; a predictor is saved as a directory")
    names = [p.name for p in directory.iterdir()]
    if not names:
        return
    if not (directory / MANIFEST).exists():
        foreign = names  # nothing here was saved by naspredict
    else:
        foreign = [n for n in names if not _saved_here(directory / n)]
        try:
            read_manifest(directory)
        except BenchmarkFormatError:
            foreign.append(MANIFEST)
    if foreign:
        shown = ", ".join(sorted(foreign)[:3]) + (", ..." if len(foreign) > 3 else "")
        raise BenchmarkFormatError(
            f"{directory} holds files other than a saved predictor ({shown}); not replacing it "
            "(give a new or empty directory)"
        )


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a saved predictor; BenchmarkFormatError if it is not one."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as err:
        raise BenchmarkFormatError(f"{directory}: not a saved predictor ({err})") from None
    if not (
        isinstance(manifest, dict)
        and isinstance(manifest.get("class"), str)
        and isinstance(manifest.get("params"), dict)
    ):
        raise BenchmarkFormatError(
            f"{path}: a predictor manifest needs 'class' (a name) and 'params' (an object)"
        )
    return manifest


def load_predictor(directory: str | Path) -> ArchPredictor:
    """Load a predictor saved by :func:`save_predictor`."""
    from naspredict.predictors import PREDICTOR_CLASSES

    manifest = read_manifest(directory)
    cls = PREDICTOR_CLASSES.get(manifest["class"])
    if cls is None:
        raise BenchmarkFormatError(
            f"{directory}: unknown predictor class {manifest['class']!r}; "
            f"valid: {', '.join(PREDICTOR_CLASSES)}"
        )
    # JSON has no tuples; sequence parameters (layer sizes) are tuples in the estimators
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in manifest["params"].items()}
    if params.get("proxy_scores"):  # the copy saved beside the manifest, nothing else
        name = params["proxy_scores"]
        if not isinstance(name, str) or Path(name).name != name or Path(name).stem != SCORES_STEM:
            raise BenchmarkFormatError(
                f"{directory}: proxy_scores must name the {SCORES_STEM}.* file saved beside the "
                f"manifest, not {name!r}"
            )
        params["proxy_scores"] = str((Path(directory) / name).resolve())
    try:
        predictor = cls(**params)
        predictor._load_state(Path(directory))
        # states that load but do not fit together fail here, not in the user's predict
        probe = predictor.predict(_probe_input(predictor))
    except (NasPredictError, *_STATE_ERRORS) as err:
        # the first line only: XGBoost appends its C++ stack trace to the message
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise BenchmarkFormatError(
            f"{directory}: cannot restore the predictor ({reason})"
        ) from None
    if not np.isfinite(probe).all():
        raise BenchmarkFormatError(
            f"{directory}: the restored predictor predicts {probe[0]} (a damaged state)"
        )
    saved_with = manifest.get("bundled_scores")
    if saved_with is not None and saved_with != bundled_scores_fingerprint(predictor.space_):
        warnings.warn(
            f"{directory} was fitted while naspredict shipped other zero-cost scores for "
            f"{predictor.space_.name}; a predictor that reads them (the default does) predicts "
            "otherwise than when it was saved: fit it again",
            StaleScoresWarning,
            stacklevel=2,
        )
    return predictor
