"""The deployer's errors; each docstring says who sees it."""
from __future__ import annotations

from signalos.errors import SignalosError


class DeployError(SignalosError):
    """A deploy or rollback that cannot even be attempted (no golden set, no parser for the model,
    no alias to roll back, no earlier good version). Seen by CLI users and by callers of ``promote``."""


class AliasConflict(SignalosError):
    """The alias moved (another deploy, a training run) while this deploy was running its gate;
    nothing was changed. Seen by CLI users: run the deploy again."""
