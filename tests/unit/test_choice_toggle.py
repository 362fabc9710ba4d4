from state.common import toggled

OPTIONS = ("read", "run", "write")


def test_checking_adds_in_the_options_order() -> None:
    assert toggled(OPTIONS, ["write"], "read", True) == ["read", "write"]


def test_unchecking_removes() -> None:
    assert toggled(OPTIONS, ["read", "write"], "read", False) == ["write"]


def test_checking_twice_keeps_one() -> None:
    assert toggled(OPTIONS, ["read"], "read", True) == ["read"]


def test_an_unknown_item_changes_nothing() -> None:
    assert toggled(OPTIONS, ["run"], "admin", True) == ["run"]
    assert toggled(OPTIONS, ["run"], "admin", False) == ["run"]
