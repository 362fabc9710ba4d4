"""Autocomplete in the builder's template fields: where the menu goes, what accepting
a suggestion writes, typing the closing braces after it, and a form that stays put
while problems come and go."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from agentflow.services.workflows import management as workflows
from tests.conftest import wait_for
from tests.e2e.conftest import Account
from tests.e2e.test_builder import create, open_builder, select_node, stored

FIELD = "field-config.template"
MENU = f"{FIELD}-suggestions"


def greeting_document() -> dict[str, Any]:
    """A trigger with a ``topic`` input in front of a template node ``greet``."""
    document = workflows.blank_document("x")
    document["inputs"] = {"type": "object", "properties": {"topic": {"type": "string"}}}
    document["nodes"].append(
        {
            "id": "greet",
            "type": "template",
            "config": {"template": "Hello"},
            "position": {"x": 320, "y": 0},
        }
    )
    document["edges"] = [{"source": "start", "target": "greet"}]
    return document


def open_greet(page: Page, account: Account, *, clear: bool = True) -> tuple[uuid.UUID, Locator]:
    """The builder with ``greet`` selected, and its template field (emptied)."""
    workflow_id = create(account, "Autocomplete", greeting_document())
    open_builder(page, workflow_id, 2)
    select_node(page, "greet")
    field = page.get_by_test_id(FIELD)
    if clear:
        field.fill("")
    return workflow_id, field


def choose(page: Page, insert: str) -> None:
    page.get_by_test_id(MENU).get_by_role("option").filter(has_text=insert).first.click()


def stored_template(account: Account, workflow_id: uuid.UUID) -> str:
    greet = next(n for n in stored(account, workflow_id)["nodes"] if n["id"] == "greet")
    return str(greet["config"].get("template", ""))


@pytest.mark.parametrize("typed", ["Hi {{inp", "Hi {{ inp", "Hi {{   inp"])
def test_accepting_a_suggestion_writes_one_space_inside_each_brace_pair(
    page: Page, account: Account, typed: str
) -> None:
    _, field = open_greet(page, account)
    field.press_sequentially(typed)
    choose(page, "input.topic")
    expect(field).to_have_value("Hi {{ input.topic }}")
    # The caret is right after the name: what is typed next goes inside the braces.
    field.press_sequentially(" | upper }}!")
    expect(field).to_have_value("Hi {{ input.topic | upper }}!")


def test_accepting_inside_closed_braces_keeps_one_pair(page: Page, account: Account) -> None:
    _, field = open_greet(page, account)
    field.fill("Hi {{inp}} there")
    field.press("Home")
    for _ in range(len("Hi {{inp")):
        field.press("ArrowRight")
    # Typing at the caret opens the menu there, in front of the braces already typed.
    field.press("Backspace")
    field.press_sequentially("p")
    choose(page, "input.topic")
    expect(field).to_have_value("Hi {{ input.topic }} there")


@pytest.mark.parametrize("closing", ["}}", " }}"])
def test_typing_the_closing_braces_after_accepting_does_not_double_them(
    page: Page, account: Account, closing: str
) -> None:
    workflow_id, field = open_greet(page, account)
    field.press_sequentially("Hi {{ inp")
    choose(page, "input.topic")
    field.press_sequentially(f"{closing} and more")
    expect(field).to_have_value("Hi {{ input.topic }} and more")
    field.blur()
    wait_for(lambda: stored_template(account, workflow_id) == "Hi {{ input.topic }} and more")


def test_braces_typed_elsewhere_are_typed_as_usual(page: Page, account: Account) -> None:
    _, field = open_greet(page, account)
    field.press_sequentially("Hi {{ inp")
    choose(page, "input.topic")
    field.press("End")
    field.press_sequentially(" {{ run.id }}")
    expect(field).to_have_value("Hi {{ input.topic }} {{ run.id }}")


def in_viewport(page: Page, box: dict[str, float]) -> bool:
    size = page.viewport_size
    assert size is not None
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def test_the_menu_stays_inside_the_viewport_near_its_bottom_and_right_edges(
    page: Page, account: Account
) -> None:
    _, field = open_greet(page, account)
    # Make the window end just below the field: no room for the menu under it.
    box = field.bounding_box()
    assert box is not None
    page.set_viewport_size({"width": 1280, "height": int(box["y"] + box["height"] + 24)})
    box = field.bounding_box()
    assert box is not None

    field.press_sequentially("{{ ")
    menu = page.get_by_test_id(MENU)
    expect(menu.get_by_role("option")).not_to_have_count(0)
    expect(menu).to_have_attribute("data-placement", "above")
    shown = menu.bounding_box()
    assert shown is not None
    assert in_viewport(page, shown), (shown, page.viewport_size)
    assert shown["y"] + shown["height"] <= box["y"]  # above the field, not over it
    # The panel is at the window's right edge: the menu, wider than the field, is
    # moved left rather than cut off.
    assert shown["width"] > box["width"]
    assert shown["x"] < box["x"]

    # With room below again, it opens below the field.
    page.set_viewport_size({"width": 1280, "height": 1000})
    field.press("Escape")
    field.press_sequentially("inp")
    expect(menu).to_have_attribute("data-placement", "below")
    shown, box = menu.bounding_box(), field.bounding_box()
    assert shown is not None and box is not None
    assert in_viewport(page, shown)
    assert shown["y"] >= box["y"] + box["height"]


def test_problems_coming_and_going_do_not_move_the_field(page: Page, account: Account) -> None:
    _, field = open_greet(page, account, clear=False)
    expect(field).to_have_value("Hello")
    expect(page.get_by_test_id("problems-list")).to_have_count(0)
    before = field.bounding_box()
    assert before is not None

    # An open "{{" is a problem until it is closed: the box appears while typing.
    field.focus()
    field.press("End")
    field.press_sequentially(" {{ inp")
    expect(page.get_by_test_id("problems-list")).to_be_visible()
    expect(page.get_by_test_id("node-panel-problems")).to_be_visible()
    during = field.bounding_box()
    assert during is not None
    assert during["y"] == before["y"]

    choose(page, "input.topic")
    expect(field).to_have_value("Hello {{ input.topic }}")
    expect(page.get_by_test_id("problems-list")).to_have_count(0)
    after = field.bounding_box()
    assert after is not None
    assert after["y"] == before["y"]
