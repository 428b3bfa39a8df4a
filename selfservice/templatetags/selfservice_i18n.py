"""``{% translate %}`` / ``{% trans %}`` whose literal messages are looked up once per language.

Load it after ``i18n`` (``{% load i18n selfservice_i18n %}``): the tags parse and render exactly
as Django's, and a template without it gets Django's own. Why: Django's tag builds a lazy
string, resolves it, translates it and escapes it on every render, about 5 µs, and an account
page renders 15-30 of them (5-10 % of its template time, benchmarks/RESULTS.md). A literal
message with no filters (and a literal context, if any) translates to the same text for the
same language, so each tag keeps its answer per language and autoescape state.

What is kept is forgotten when translations can change while the process runs: a setting the
catalogs depend on (``setting_changed``, as in tests) or a ``.mo`` file the development
server's autoreloader saw change. ``makemessages`` finds these tags by name, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.base import Parser, Token, Variable
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils.autoreload import file_changed
from django.utils.translation import get_language

__all__ = ["KeptTranslateNode"]

register = template.Library()

#: Bumped whenever translations may have changed; a node's kept answers carry the generation.
_generation = [0]
#: Languages x autoescape states a node keeps at most (then it starts again).
_MOST_KEPT = 16


class KeptTranslateNode(TranslateNode):
    """Django's ``TranslateNode``, keeping the answer for a literal message per language."""

    def __init__(self, node: TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.keeps = _literal(node)
        self.kept: dict[tuple[int, str | None, bool], Any] = {}

    def render(self, context: Any) -> Any:
        if not self.keeps:
            return super().render(context)
        key = (_generation[0], get_language(), bool(context.autoescape))
        value = self.kept.get(key)
        if value is None:
            if len(self.kept) >= _MOST_KEPT:
                self.kept = {}
            # Django's answer, shown here or stored "as" a variable (in a layer dropped after).
            with context.push():
                shown = super().render(context)
                value = self.kept[key] = context[self.asvar] if self.asvar else shown
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _literal(node: TranslateNode) -> bool:
    """A quoted message with no filters, and no context or a quoted one with no filters."""
    expression = node.filter_expression
    message = expression.var
    if expression.filters or not isinstance(message, Variable) or message.literal is None:
        return False
    context = node.message_context
    return context is None or (not context.filters and not isinstance(context.var, Variable))


@register.tag("translate")
@register.tag("trans")
def do_kept_translate(parser: Parser, token: Token) -> KeptTranslateNode:
    """Django's ``{% translate %}`` (same syntax and errors), with literal messages kept per language."""
    node = do_translate(parser, token)
    return KeptTranslateNode(node)


def _forget(**kwargs: Any) -> None:
    _generation[0] += 1


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS", "USE_I18N"}:
        _forget()


def _file_changed(*, file_path: Path, **kwargs: Any) -> None:
    if Path(file_path).suffix == ".mo":
        _forget()


setting_changed.connect(_settings_changed)
file_changed.connect(_file_changed)
