"""How much of an agent's text one turn may post: a few messages, then a note, never a flood.

One 1 MB reply once became 246 Telegram messages, minutes of a chat's rate budget and a wall of
text nobody reads. A turn posts at most `MAX_TURN_MESSAGES` messages of the agent's text; the
rest is left out and the last message says so, in the person's language. The rest is not sent
as a file: no port can send a document (only videos and links), and text that long is not a
reply anybody asked for; the project itself stays on the service (/status shows it).

    output = TurnOutput(port.message_limit, locale)
    for piece in output.pieces(text):   # for each Text event of the turn
        await say(piece)
"""

from __future__ import annotations

from bot.routing import split_text
from bot.texts import t

MAX_TURN_MESSAGES = 4
"""Messages of agent text per turn: a long answer still fits, while a runaway one costs a chat
at most a few seconds of its send rate (Telegram: about one message a second per chat)."""


class TurnOutput:
    """The agent text of one turn, split to the chat's message size and capped."""

    def __init__(self, message_limit: int, locale: str, *, most: int = MAX_TURN_MESSAGES) -> None:
        self._limit = message_limit
        self._locale = locale
        self._left = most
        self._cut = False

    def pieces(self, text: str) -> list[str]:
        """The messages to post for `text`: all of it while the turn has room, else the part
        that fits and one note that the rest was left out (later text of the turn: nothing)."""
        if self._cut:
            return []
        # Split only what could be shown, so a huge text costs no more than a small one.
        window = self._left * self._limit + 1
        pieces = split_text(text[:window], self._limit)
        if len(text) <= window and len(pieces) <= self._left:
            self._left -= len(pieces)
            return pieces
        self._cut = True
        note = t("output_cut", self._locale)
        kept = pieces[: self._left]
        if kept and len(kept[-1]) + len(note) + 2 <= self._limit:
            kept[-1] = f"{kept[-1]}\n\n{note}"
        elif len(kept) == self._left and kept:
            kept[-1] = note  # no room beside it: the note takes the last message's place
        else:
            kept.append(note)
        return kept
