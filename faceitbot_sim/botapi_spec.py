"""Bot API rules for the fake server: the method table, parameter checks and decoding, and the
content rules Telegram enforces on texts, keyboards and invoices.

The method table comes either from the full scraped spec (`shared/telegram/botapi.json`) or from the
compact copy bundled next to this module (`botapi_methods.json`, made by `compact_spec`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUNDLED_SPEC = Path(__file__).with_name("botapi_methods.json")

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_SCALARS = {"Integer", "String", "Boolean", "Float", "InputFile"}


class ApiError(Exception):
    """A Bot API error reply; the HTTP status equals `status`, as on the real server."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class MethodSpec:
    name: str
    returns: tuple[str, ...]
    params: dict[str, bool]  # name -> required
    types: dict[str, tuple[str, ...]]


def compact_spec(full: Mapping[str, Any]) -> dict[str, Any]:
    """The bundled method table: returns, params (name -> required) and param types of every method."""
    methods: dict[str, Any] = {}
    for name, method in full["methods"].items():
        fields = method.get("fields") or []
        methods[name] = {
            "returns": list(method.get("returns") or []),
            "params": {f["name"]: bool(f.get("required")) for f in fields},
            "types": {f["name"]: list(f.get("types") or []) for f in fields},
        }
    return {"version": full.get("version", ""), "methods": methods}


def write_compact_spec(full_path: Path, out: Path = BUNDLED_SPEC) -> dict[str, Any]:
    """Regenerates the bundled `botapi_methods.json` from the full spec file."""
    compact = compact_spec(json.loads(Path(full_path).read_text(encoding="utf-8")))
    out.write_text(json.dumps(compact, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return compact


class BotApiSpec:
    """Method lookup (case-insensitive, like the real server) plus strict parameter checks."""

    def __init__(self, methods: dict[str, MethodSpec], version: str = "") -> None:
        self.methods = methods
        self.version = version
        self._by_lower = {name.lower(): spec for name, spec in methods.items()}

    @classmethod
    def load(cls, spec: Path | str | Mapping[str, Any] | None = None) -> BotApiSpec:
        if spec is None:
            spec = BUNDLED_SPEC
        data = spec if isinstance(spec, Mapping) else json.loads(Path(spec).read_text(encoding="utf-8"))
        raw = data["methods"]
        # The full spec describes params as "fields"; the compact one already has "params".
        if not any("params" in m for m in raw.values()):
            data = compact_spec(data)
        methods = {
            name: MethodSpec(
                name=name,
                returns=tuple(m.get("returns") or ()),
                params=dict(m.get("params") or {}),
                types={k: tuple(v) for k, v in (m.get("types") or {}).items()},
            )
            for name, m in data["methods"].items()
        }
        return cls(methods, str(data.get("version", "")))

    def lookup(self, name: str) -> MethodSpec | None:
        return self._by_lower.get(name.lower())

    def canonical(self, name: str) -> str:
        spec = self.lookup(name)
        if spec is None:
            raise ValueError(f"{name!r} is not a Bot API method")
        return spec.name

    @staticmethod
    def check(method: MethodSpec, raw: Mapping[str, Any], attached: set[str]) -> None:
        """Rejects unknown and missing params. `attached` are file parts referenced as attach://name."""
        for name in raw:
            if name not in method.params and name not in attached:
                raise bad_request(f"unknown parameter '{name}'")
        for name, required in method.params.items():
            if required and raw.get(name) in (None, ""):
                # aiogram drops empty strings, so an empty text arrives as a missing one.
                if name == "text":
                    raise bad_request("message text is empty")
                raise bad_request(f"parameter '{name}' is required")

    @staticmethod
    def decode(method: MethodSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Form values are strings: turns them into the ints, bools and JSON objects the spec describes."""
        return {name: _decode(name, value, method.types.get(name, ())) for name, value in raw.items()}


def _decode(name: str, value: Any, types: tuple[str, ...]) -> Any:
    if not isinstance(value, str) or not types or types == ("String",):
        return value
    if "Integer" in types and _INT.fullmatch(value):
        return int(value)
    if "Float" in types and _FLOAT.fullmatch(value):
        return float(value)
    if "Boolean" in types and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if "String" in types or "InputFile" in types:
        return value
    if all(t in _SCALARS for t in types):
        raise bad_request(f"wrong parameter '{name}': expected {' or '.join(types)}, got {value[:40]!r}")
    try:
        return json.loads(value)
    except ValueError:
        raise bad_request(f"can't parse JSON object in parameter '{name}'") from None


# --- HTML parse mode, following the rules and error texts of Telegram's own parser (tdlib) ---

_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);")
_TAG_HEAD = re.compile(r"[^\s>]*")
_PLAIN = re.compile(r"[^<&]+")
_EXPANDABLE = re.compile(r"(?<![=\w\"'-])expandable(?![\w-])")
_ATTR = re.compile(r"""\s*([a-zA-Z0-9-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text + entities (UTF-16 offsets) of an HTML-formatted text; ApiError 400 when unparsable."""
    out: list[str] = []
    offset = 0  # UTF-16 offset in the plain text
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []

    def fail(detail: str) -> ApiError:
        return bad_request(f"can't parse entities: {detail}")

    def at(i: int) -> int:
        return len(source[:i].encode("utf-8"))

    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "&":
            m = _ENTITY.match(source, i)
            decoded = _entity(m.group(1)) if m else None
            if m and decoded is not None:
                out.append(decoded)
                offset += utf16_len(decoded)
                i = m.end()
                continue
        if ch != "<":
            # A run of plain text at once (a lone "&" that starts no entity is plain text too).
            run = "&" if ch == "&" else _PLAIN.match(source, i).group(0)  # type: ignore[union-attr]
            out.append(run)
            offset += utf16_len(run)
            i += len(run)
            continue
        closing = source.startswith("</", i)
        if closing and not stack:
            raise fail(f"Unexpected end tag at byte offset {at(i)}")
        head = _TAG_HEAD.match(source, i + 1 + closing)
        assert head is not None  # the pattern matches the empty string
        name, end = head.group(0).lower(), source.find(">", head.end())
        kind = "end" if closing else "start"
        if head.end() >= len(source):
            raise fail(f"Unclosed {kind} tag at byte offset {at(i)}")
        if not closing and name not in _TAGS:
            raise fail(f'Unsupported start tag "{name}" at byte offset {at(i)}')
        if end < 0:
            raise fail(f"Unclosed {kind} tag at byte offset {at(i)}")
        rest = source[head.end() : end]
        if closing:
            tag, start, attrs = stack.pop()
            if rest.strip():
                raise fail(f"Unclosed end tag at byte offset {at(i)}")
            if name and name != tag:
                expected = f'expected "</{tag}>", found "</{name}>"'
                raise fail(f"Unmatched end tag at byte offset {at(i)}, {expected}")
            if offset > start:
                entities.append(_html_entity(tag, attrs, start, offset - start))
        else:
            attrs = {k.lower(): v1 or v2 or v3 for k, v1, v2, v3 in _ATTR.findall(rest)}
            if _EXPANDABLE.search(rest):
                attrs.setdefault("expandable", "")
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise fail('Tag "span" must have class "tg-spoiler"')
            stack.append((name, offset, attrs))
        i = end + 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity(name: str) -> str | None:
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
        return chr(code) if 0 < code <= 0x10FFFF else None
    return _NAMED.get(name)  # other named entities stay as typed, like on the real server


def _html_entity(tag: str, attrs: dict[str, str], offset: int, length: int) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": _TAGS[tag], "offset": offset, "length": length}
    if tag == "a":
        entity["url"] = attrs.get("href", "")
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity


# --- content rules ---

BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def format_text(
    text: Any, parse_mode: Any, entities: list[dict[str, Any]] | None, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]] | None]:
    """Plain text and entities as Telegram stores them: HTML is parsed unless entities are given."""
    text = str(text)
    if entities is None and str(parse_mode or "").lower() == "html":
        text, entities = parse_html(text)
    if not caption and not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > (1024 if caption else 4096):
        raise bad_request("message caption is too long" if caption else "message is too long")
    return text, entities or None


def inline_markup(markup: Any) -> dict[str, Any] | None:
    """The InlineKeyboardMarkup a message keeps (reply keyboards are not part of the message)."""
    if not isinstance(markup, dict) or not markup.get("inline_keyboard"):
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not any(k in button for k in BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def check_invoice(p: Mapping[str, Any]) -> None:
    """The spec's invoice and Telegram Stars rules (the error texts are this fake's own)."""
    prices = p["prices"]
    if not isinstance(prices, list) or not all(
        isinstance(x, dict) and isinstance(x.get("amount"), int) for x in prices
    ):
        raise bad_request("can't parse prices JSON object")
    if not 1 <= len(p["title"]) <= 32 or not 1 <= len(p["description"]) <= 255:
        raise bad_request("invoice title must be 1-32 and description 1-255 characters long")
    if not 1 <= len(str(p["payload"]).encode()) <= 128:
        raise bad_request("invoice payload must be 1-128 bytes long")
    if p["currency"] == "XTR" and (len(prices) != 1 or p.get("provider_token")):
        raise bad_request("Telegram Stars invoices take exactly one price and an empty provider_token")
    period, total = p.get("subscription_period"), sum(x["amount"] for x in prices)
    if period is not None and (period != 2592000 or p["currency"] != "XTR" or total > 10000):
        raise bad_request("SUBSCRIPTION_PERIOD_INVALID: subscriptions are XTR, 30 days, at most 10000 Stars")


def check_commands(commands: Any) -> None:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


# InlineQueryResult types and what each needs beside `type` and `id` (Bot API, InlineQueryResult*).
_RESULT_NEEDS: dict[str, tuple[str, ...]] = {
    "article": ("title", "input_message_content"),
    "photo": ("photo_url", "thumbnail_url"),
    "gif": ("gif_url", "thumbnail_url"),
    "mpeg4_gif": ("mpeg4_url", "thumbnail_url"),
    "video": ("video_url", "mime_type", "thumbnail_url", "title"),
    "audio": ("audio_url", "title"),
    "voice": ("voice_url", "title"),
    "document": ("title", "document_url", "mime_type"),
    "location": ("latitude", "longitude", "title"),
    "venue": ("latitude", "longitude", "title", "address"),
    "contact": ("phone_number", "first_name"),
    "game": ("game_short_name",),
    "sticker": ("sticker_file_id",),
}
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_INLINE_RESULTS = 50


def check_inline_answer(p: Mapping[str, Any]) -> None:
    """answerInlineQuery's results and button, as Telegram checks them (its error texts)."""
    results = p["results"]
    if not isinstance(results, list):
        raise bad_request("can't parse JSON object in parameter 'results'")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict) or result.get("type") not in _RESULT_NEEDS:
            raise bad_request("RESULT_TYPE_INVALID")
        result_id = str(result.get("id", ""))
        if not 1 <= len(result_id.encode()) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        for field in _RESULT_NEEDS[result["type"]]:
            if result.get(field) in (None, ""):
                raise bad_request(f'can\'t parse inline query result: field "{field}" must be non-empty')
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            format_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
        inline_markup(result.get("reply_markup"))
    button = p.get("button")
    if button is not None:
        if not isinstance(button, dict) or not str(button.get("text", "")).strip():
            raise bad_request("can't parse inline query results button: text must be non-empty")
        if ("web_app" in button) == ("start_parameter" in button):
            raise bad_request(
                "can't parse inline query results button: exactly one of web_app and start_parameter"
            )
        if "start_parameter" in button and not _START_PARAMETER.fullmatch(str(button["start_parameter"])):
            raise bad_request("START_PARAM_INVALID")
