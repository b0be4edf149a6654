"""The SMS templates a hospital registered with its carrier platform (SPEC §12).

A carrier platform delivers only pre-registered texts: the request names a template code
and the values of its variables, and the platform puts the registered signature (签名) in
front as 【签名】. ``sms-templates.toml`` (shipped; ``TEMPLATE_DIR/sms-templates.toml``
wins) holds, for each message kind and language, the registered text with its variables
written ``${name}`` (Alibaba Cloud's syntax; a Tencent template numbers them ``{1}``,
``{2}`` … in the same order) and each vendor's code. Notify fills the same text here, so
the message log and the dev outbox show what the patient reads, and hands the vendor
the code and the values (:class:`Filled`).

Limits (docs/notify.md, "Registered templates", says where each comes from): a variable's
value is at most ``Limits.variable`` characters, the whole message with its signature at
most ``Limits.message``; no value may carry 【】 (the platforms' signature brackets) or a
link. A value over its limit is shortened with "…" when the fact allows it (a name,
a department), else the message cannot be sent (:class:`Unfillable`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from services.common.config import ConfigError

from .sms import segments

TEMPLATE_PROVIDERS = ("aliyun", "tencent")
LANGUAGES = ("zh-CN", "en")
FILE_NAME = "sms-templates.toml"
VARIABLE = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")
LINK = re.compile(r"(https?://|www\.)", re.IGNORECASE)
BRACKETS = ("【", "】")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Limits:
    """What one vendor takes: characters per variable value, per message (signature and
    values included)."""

    variable: int
    message: int = 500


#: The vendors' documented defaults (docs/notify.md cites them). A file may declare the
#: longer variables a hospital had approved: ``[limits.tencent] variable = 35``.
LIMITS = {"aliyun": Limits(variable=35), "tencent": Limits(variable=6)}


@dataclass(frozen=True)
class Variable:
    """A fact notify can put in a template. ``longest``: the longest value its format can
    take (known for dates, codes …; None for free text); ``shorten``: may lose its end
    to "…" and stay true (a name, a department); ``empty``: said instead of nothing (the
    platforms refuse an empty value)."""

    longest: int | None = None
    shorten: bool = False
    empty: dict[str, str] = field(default_factory=dict)


#: Every variable a registered text may name, and how it is filled (``values`` below).
VARIABLES: dict[str, Variable] = {
    "name": Variable(shorten=True),                      # the patient's name
    "when": Variable(longest=16),                        # 11月24日（周二）09:00 / Tue 24 Nov 09:00
    "time": Variable(longest=5),                         # 09:00
    "previous_when": Variable(longest=16),               # where a moved visit was
    "department": Variable(shorten=True, empty={"zh-CN": "门诊", "en": "clinic"}),
    "expert": Variable(shorten=True),                    # name and title: 张伟主任医师
    "number": Variable(longest=5),                       # the queue number
    "code": Variable(longest=12),                        # the appointment code
    "address": Variable(),                               # never cut: a wrong address misleads
    "directions": Variable(shorten=True, empty={"zh-CN": "详见链接", "en": "see the link"}),
    "phone": Variable(),                                 # the hospital's phone, never cut
    "reason": Variable(shorten=True),
    "offer": Variable(shorten=True),                     # the first place offered, 等N个 if more
    "token": Variable(longest=24),                       # the patient link after its address
}


class Unfillable(Exception):
    """This message cannot be filled within the vendor's limits; the text says why and
    names the variable (never its value: it may be personal)."""


@dataclass(frozen=True)
class Registered:
    kind: str
    language: str
    text: str
    variables: tuple[str, ...]
    codes: dict[str, str]

    @property
    def fixed(self) -> str:
        return VARIABLE.sub("", self.text)


@dataclass(frozen=True)
class Filled:
    """A registered text filled: what the patient reads (signature first) and what the
    vendor is handed (``code`` is None for a provider that takes plain text)."""

    kind: str
    body: str
    segments: int
    params: tuple[tuple[str, str], ...]
    sign_name: str
    provider: str
    code: str | None

    def stored(self) -> dict[str, Any]:
        """What the message row keeps to hand over the same call after a crash."""
        return {"kind": self.kind, "provider": self.provider, "code": self.code,
                "sign_name": self.sign_name, "params": [list(p) for p in self.params]}


def signed(sign_name: str, text: str) -> str:
    """The text as the handset shows it: the platform puts 【签名】 in front."""
    return f"【{sign_name}】{text}" if sign_name else text


@dataclass(frozen=True)
class Registry:
    templates: dict[tuple[str, str], Registered]
    #: The registered address the patient link starts with; ``${token}`` follows it.
    link_address: str
    limits: dict[str, Limits]
    source: str
    shipped: bool

    def get(self, kind: str, language: str) -> Registered:
        found = self.templates.get((kind, language))
        if found is None:
            raise Unfillable(f"no registered SMS template for {kind} in {language}")
        return found

    def limits_for(self, provider: str) -> Limits:
        """A vendor's limits; for a plain-text provider (outbox, http) the strictest of
        them, so development shows what production would send."""
        if provider in self.limits:
            return self.limits[provider]
        return Limits(min(x.variable for x in self.limits.values()),
                      min(x.message for x in self.limits.values()))

    def fill(self, kind: str, language: str, values: dict[str, str], *, link: str,
             provider: str, sign_name: str) -> Filled:
        """The registered text with ``values``; raises :class:`Unfillable`."""
        template = self.get(kind, language)
        limits = self.limits_for(provider)
        params: list[tuple[str, str]] = []
        text = template.text
        for name in template.variables:
            if name == "token":
                value = self._token(template, link, provider)
                if value is None:  # dev only: the link as it is, not under the address
                    text = text.replace(self.link_address + "${token}", link)
                    continue
            else:
                value = self._value(template, name, values.get(name, ""), limits)
            params.append((name, value))
            text = text.replace("${" + name + "}", value)
        body = signed(sign_name, text)
        if len(body) > limits.message:
            raise Unfillable(f"{kind} {language}: the message is {len(body)} characters, "
                             f"over {limits.message}")
        code = template.codes.get(provider) if provider in TEMPLATE_PROVIDERS else None
        return Filled(kind, body, segments(body), tuple(params), sign_name, provider, code)

    def _value(self, template: Registered, name: str, value: str, limits: Limits) -> str:
        spec = VARIABLES[name]
        value = " ".join(value.split()) or spec.empty.get(template.language, "")
        where = f"{template.kind} {template.language} variable {name}"
        if not value:
            raise Unfillable(f"{where}: no value (the platforms refuse an empty variable)")
        if any(b in value for b in BRACKETS):
            raise Unfillable(f"{where}: 【】 are the signature's brackets, not allowed in a value")
        if LINK.search(value):
            raise Unfillable(f"{where}: a link is not allowed in a variable")
        if len(value) > limits.variable:
            if not spec.shorten:
                raise Unfillable(f"{where}: {len(value)} characters, over the "
                                 f"{limits.variable} a variable may have")
            value = value[:limits.variable - 1] + ELLIPSIS
        return value

    def _token(self, template: Registered, link: str, provider: str) -> str | None:
        if link.startswith(self.link_address) and len(link) > len(self.link_address):
            return link[len(self.link_address):]
        if provider in TEMPLATE_PROVIDERS:
            raise Unfillable(f"{template.kind} {template.language} variable token: the patient "
                             f"link is not under the registered address {self.link_address}")
        return None


def shipped_text() -> str:
    return (resources.files("services.notify") / FILE_NAME).read_text(encoding="utf-8")


def load(template_dir: str = "") -> Registry:
    """The hospital's file in ``template_dir`` if it has one, else the shipped set."""
    own = Path(template_dir) / FILE_NAME if template_dir else None
    if own is not None and own.is_file():
        return parse(own.read_text(encoding="utf-8"), str(own), shipped=False)
    return parse(shipped_text(), f"services/notify/{FILE_NAME}", shipped=True)


def parse(text: str, source: str, *, shipped: bool = False) -> Registry:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    link_address = str(data.pop("link_address", ""))
    limits = dict(LIMITS)
    for provider, declared in (data.pop("limits", {}) or {}).items():
        if provider not in LIMITS:
            raise ConfigError(f"{source}: limits for an unknown provider {provider!r}")
        limits[provider] = Limits(int(declared.get("variable", LIMITS[provider].variable)),
                                  int(declared.get("message", LIMITS[provider].message)))
    templates: dict[tuple[str, str], Registered] = {}
    for kind, languages in data.items():
        if not isinstance(languages, dict):
            raise ConfigError(f"{source}: {kind} is not a table of languages")
        for language, entry in languages.items():
            where = f"{source}: [{kind}.{language}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
                raise ConfigError(f"{where} has no text")
            named = VARIABLE.findall(entry["text"])
            listed = entry.get("variables")
            if listed is not None and list(listed) != named:
                raise ConfigError(f"{where}: variables {listed} are not the text's, in its "
                                  f"order: {named}")
            templates[(kind, language)] = Registered(
                kind, language, entry["text"], tuple(named),
                {p: str(entry[p]) for p in TEMPLATE_PROVIDERS if entry.get(p)})
    return Registry(templates, link_address, limits, source, shipped)


def check(registry: Registry, kinds: tuple[str, ...], provider: str, sign_name: str,
          production: bool = False) -> None:
    """At start-up: a template that could never be filled stops the service, named."""
    problems: list[str] = []
    limits = registry.limits_for(provider)
    if production and provider in TEMPLATE_PROVIDERS and registry.shipped:
        problems.append(f"the shipped {FILE_NAME} holds the demo's template codes: put the "
                        f"hospital's registered templates in TEMPLATE_DIR/{FILE_NAME}")
    for kind in kinds:
        for language in LANGUAGES:
            template = registry.templates.get((kind, language))
            where = f"SMS template {kind} {language}"
            if template is None:
                problems.append(f"{where}: missing from {registry.source}")
                continue
            if provider in TEMPLATE_PROVIDERS and not template.codes.get(provider):
                problems.append(f"{where}: no {provider} template code")
            for name in template.variables:
                spec = VARIABLES.get(name)
                if spec is None:
                    problems.append(f"{where}: unknown variable {name} (known: "
                                    f"{', '.join(VARIABLES)})")
                elif spec.longest is not None and spec.longest > limits.variable:
                    problems.append(f"{where}: variable {name} takes up to {spec.longest} "
                                    f"characters, over the {limits.variable} a variable "
                                    f"may have ({provider})")
            if re.search(r"\}\s*\$\{", template.text):
                problems.append(f"{where}: two variables side by side (the platforms want "
                                f"text between them)")
            if len(set(template.variables)) != len(template.variables):
                problems.append(f"{where}: a variable appears twice")
            if "token" in template.variables and (
                    not registry.link_address
                    or registry.link_address + "${token}" not in template.text):
                problems.append(f"{where}: ${{token}} must follow link_address "
                                f"({registry.link_address or 'not set'})")
            fixed = template.fixed
            if any(b in fixed for b in BRACKETS):
                problems.append(f"{where}: 【】 belong to the signature, not the text")
            least = len(signed(sign_name or "x", fixed)) + len(template.variables)
            if least > limits.message:
                problems.append(f"{where}: the fixed text with its signature is {least} "
                                f"characters, over the {limits.message} a message may have")
    if problems:
        raise ConfigError("; ".join(problems))
