"""What a dataclass field's annotation accepts: the one reading of annotations that the wire
types (:mod:`training_worker.contracts`) and the job configs (:mod:`training_worker.configs`)
check values against, so that neither restates its fields' types in a table of its own.

Types are exact, as JSON has them: ``bool`` is never accepted for ``int`` nor ``int`` for
``bool``, and a ``float`` field takes an integer too (JSON has one kind of number). Each
caller words its own messages (the wire names JSON types, a config the value it refused).
Standard library only: the web side imports both callers.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Literal, get_args, get_origin

#: The exact types a value of each plain annotation may have.
_PLAIN: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    float: (float, int),
    bool: (bool,),
    list: (list,),
    dict: (dict,),
    type(None): (type(None),),
}


_HINTS: dict[type, dict[str, Any]] = {}


def field_hints(cls: type) -> dict[str, Any]:
    """Field name -> resolved annotation (``from __future__ import annotations`` leaves them
    as text) of the dataclass ``cls``; read once per class."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def is_union(hint: Any) -> bool:
    """Whether ``hint`` is ``X | Y`` (``Optional[X]`` included)."""
    return get_origin(hint) in (typing.Union, types.UnionType)


@functools.cache
def json_types(hint: Any) -> tuple[type, ...]:
    """The exact types a value of ``hint`` may have at its top level: ``str | None`` takes
    ``str`` or ``None``, ``list[str]`` a ``list`` (its items are the caller's to check),
    ``Literal["a", "b"]`` a ``str``. An annotation outside JSON's types is a bug in the
    class, a :class:`TypeError`."""
    origin = get_origin(hint)
    if is_union(hint):
        return tuple(dict.fromkeys(t for option in get_args(hint) for t in json_types(option)))
    if origin is Literal:
        return tuple(dict.fromkeys(type(choice) for choice in get_args(hint)))
    if (origin or hint) in _PLAIN:
        return _PLAIN[origin or hint]
    raise TypeError(f"unsupported annotation {hint!r}")


def fits(hint: Any, value: Any) -> bool:
    """Whether ``value``'s type is one that ``hint`` accepts at the top level (:func:`json_types`)."""
    return type(value) in json_types(hint)
