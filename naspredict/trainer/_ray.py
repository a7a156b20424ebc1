"""Scale-out on Ray: the groups of a table trained as Ray tasks, one GPU each if there are."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from naspredict.errors import InvalidOptionError, MissingDependencyError
from naspredict.trainer._data import TrainingData
from naspredict.trainer._protocol import TrainingProtocol
from naspredict.trainer._train import TrainedGroup, train_group


def train_groups_on_ray(
    groups: Sequence[Sequence[str]],
    data: TrainingData,
    protocol: TrainingProtocol,
    *,
    address: str,
    seed: int,
    bf16: bool | None,
    C: int,
    N: int,
) -> Iterator[TrainedGroup]:
    """Train each group as a Ray task and yield the groups as they finish.

    ``address`` is that of a running cluster (``auto``, ``ray://host:port``, ...) or
    ``local`` to start one on this machine for the run. A task takes one GPU when the
    cluster has GPUs, else one CPU; the data goes into the object store once. Tasks still
    pending when the caller stops are cancelled.
    """
    try:
        import ray
    except ImportError as error:
        raise MissingDependencyError(
            "training on Ray needs the ray package: pip install 'naspredict[ray]'"
        ) from error
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(
                address=address,  # "local" starts one here, whatever RAY_ADDRESS says
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        except (ValueError, ConnectionError) as error:  # a malformed or unreachable address
            raise InvalidOptionError(f"--ray {address}: cannot use Ray there ({error})") from None
    try:
        gpus = ray.cluster_resources().get("GPU", 0)
        task = ray.remote(num_gpus=1 if gpus else 0, num_cpus=1)(train_group)
        data_ref = ray.put(data)
        pending = [task.remote(list(g), data_ref, protocol, seed, bf16, C, N) for g in groups]
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                yield ray.get(done[0])
        finally:
            for ref in pending:
                ray.cancel(ref)
    finally:
        if started:
            ray.shutdown()
