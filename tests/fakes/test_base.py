"""The failure script every fake uses: which call gets which scripted answer."""

from __future__ import annotations

from tests.fakes.base import FailureScript


def test_one_off_failures_are_served_in_order_then_used_up() -> None:
    script: FailureScript[str, str] = FailureScript()
    script.add(lambda m: m == "send", "first", times=2, label="send")
    script.add(lambda m: m == "send", "second", label="send")
    assert script.unused("send") == 3
    assert [script.take("send") for _ in range(4)] == ["first", "first", "second", None]
    assert script.take("edit") is None
    assert script.unused("send") == 0


def test_a_one_off_comes_before_a_standing_failure_and_the_latest_standing_wins() -> None:
    script: FailureScript[str, str] = FailureScript()
    script.add(lambda m: m == "send", "always", times=None, label="send")
    script.add(lambda m: m == "send", "always, newer", times=None, label="send")
    script.add(lambda m: m == "send", "once", label="send")
    assert script.unused("send") == -1
    assert [script.take("send") for _ in range(3)] == ["once", "always, newer", "always, newer"]
    script.heal("send")
    assert script.take("send") is None


def test_after_lets_calls_through_first_and_heal_clears_one_label_or_all() -> None:
    script: FailureScript[str, str] = FailureScript()
    script.add(lambda m: m == "poll", "late", after=2, label="poll")
    script.add(lambda m: m == "cancel", "no", times=None, label="cancel")
    assert [script.take("poll") for _ in range(4)] == [None, None, "late", None]
    script.add(lambda m: m == "poll", "again", label="poll")
    script.heal("poll")
    assert (script.take("poll"), script.take("cancel")) == (None, "no")
    script.heal()
    assert script.take("cancel") is None
    script.add(lambda m: True, "never", times=0)
    assert script.take("poll") is None
