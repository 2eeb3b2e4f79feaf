"""Immutable value objects for configuration and results, cheap to define at cold start.

Hand-written rather than ``@dataclass(frozen=True, slots=True)``: creating a dataclass compiles its
generated methods, about a millisecond of cold start each (issue 7: < 80 ms in all), and the processor
defines a dozen such classes (pipeline, masking and drop-rule configuration, masking entities).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Frozen"]


class Frozen:
    """Immutable value objects with ``__slots__``: equality, hash and repr over the slots.

    Subclasses declare ``__slots__`` and set their values once with ``self._set(...)`` in ``__init__``.
    """

    __slots__: tuple[str, ...] = ()

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot delete {name!r})")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Frozen) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(tuple(v if not isinstance(v, dict) else tuple(v.items()) for v in self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle (the default would call __setattr__)
        return _rebuild, (type(self), self._values())


def _rebuild(cls: type[Frozen], values: tuple[Any, ...]) -> Frozen:
    obj = object.__new__(cls)
    for name, value in zip(cls.__slots__, values, strict=True):
        object.__setattr__(obj, name, value)
    return obj
