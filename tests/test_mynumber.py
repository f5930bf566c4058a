import pytest
from hypothesis import given
from hypothesis import strategies as st

from center.registry.mynumber import check_digit, is_valid_my_number

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)

# The same rule written the other way round: weights for the 11 digits read left to right.
LEFT_TO_RIGHT_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def reference_check_digit(first11: str) -> int:
    r = sum(int(d) * w for d, w in zip(first11, LEFT_TO_RIGHT_WEIGHTS)) % 11
    return 0 if r <= 1 else 11 - r


def test_hand_computed_example():
    # "12345678901", digits counted from the right (n = 1..11) with weights Q_n:
    #   n:  1  2  3  4  5  6  7  8  9 10 11
    #   P:  1  0  9  8  7  6  5  4  3  2  1
    #   Q:  2  3  4  5  6  7  2  3  4  5  6
    # sum = 2+0+36+40+42+42+10+12+12+10+6 = 212; 212 mod 11 = 3; check digit = 11 - 3 = 8
    assert check_digit("12345678901") == 8
    assert is_valid_my_number("123456789018")
    assert not is_valid_my_number("123456789017")


def test_remainder_one_gives_zero():
    # only the rightmost digit is set: 6 * Q_1 = 6 * 2 = 12, 12 mod 11 = 1 -> 0 (not 10)
    assert check_digit("00000000006") == 0
    # 1 * 2 = 2, 2 mod 11 = 2 -> 11 - 2 = 9
    assert check_digit("00000000001") == 9
    # the leftmost digit weighs Q_11 = 6: 1 * 6 = 6 -> 11 - 6 = 5
    assert check_digit("10000000000") == 5


@pytest.mark.parametrize(
    "candidate",
    [
        "12345678901",  # too short
        "1234567890188",  # too long
        "",
        "12345678901a",
        "１２３４５６７８９０１８",  # full-width digits: str.isdigit() would say yes
        " 123456789018",
        "12345678901.8",
    ],
)
def test_malformed_numbers_are_not_valid(candidate):
    assert not is_valid_my_number(candidate)


@pytest.mark.parametrize("first11", ["1234567890", "123456789012", "1234567890a", "１２３４５６７８９０１"])
def test_check_digit_refuses_anything_but_eleven_ascii_digits(first11):
    with pytest.raises(ValueError):
        check_digit(first11)


@given(eleven_digits)
def test_agrees_with_left_to_right_formulation(first11):
    assert check_digit(first11) == reference_check_digit(first11)


@given(eleven_digits)
def test_exactly_one_last_digit_is_valid(first11):
    valid = [d for d in "0123456789" if is_valid_my_number(first11 + d)]
    assert valid == [str(check_digit(first11))]


@given(eleven_digits, st.integers(min_value=0, max_value=10), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_changes_the_weighted_sum(first11, position, delta):
    # Every weight is 2..7, prime to 11, so a single wrong digit always moves the remainder.
    # (The check digit itself may still match when the remainder moves between 0 and 1.)
    changed = first11[:position] + str((int(first11[position]) + delta) % 10) + first11[position + 1 :]
    weights = LEFT_TO_RIGHT_WEIGHTS
    before = sum(int(d) * w for d, w in zip(first11, weights)) % 11
    after = sum(int(d) * w for d, w in zip(changed, weights)) % 11
    assert before != after
    if {before, after} != {0, 1}:
        assert check_digit(changed) != check_digit(first11)
