"""Spellings across scripts for search: Latin and Cyrillic, Russian and Kazakh letters.

A search text becomes a regular expression in which each letter also matches its
counterparts: a Cyrillic letter its Latin transliteration ("ж" also "zh"), a Latin
letter or letter group the Cyrillic letters it transliterates ("zh" also "ж"), and a
Kazakh letter the Russian letter it is folded to in Russian spelling and back ("қ" and
"к", "ә" and "а"). So "Tokayev", "Токаев" and "Тоқаев" find one another.

The Latin transliteration of each Cyrillic letter is anyascii's (a maintained
Unicode-to-ASCII table); only the Kazakh-Russian letter pairs, and the "ye" that
English spelling writes for "е" after a vowel, are stated here.
"""

# ruff: noqa: RUF001, RUF002, RUF003  (the module is about Cyrillic letters that look Latin)

from __future__ import annotations

from anyascii import anyascii

# The Cyrillic letters of Russian and Kazakh, lower case.
CYRILLIC_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"
# Kazakh letters and the Russian letters Russian spelling writes for them, both ways
# (ә→а, і→и, қ→к, ң→н, ғ→г, ө→о, ұ/ү→у, һ→х); й and ё, which search folding turns into
# и and е, go with them.
CYRILLIC_PARTNERS = (
    "аә",
    "иій",
    "кқ",
    "нң",
    "гғ",
    "оө",
    "уұү",
    "хһ",
    "еёэ",
)
# Latin spellings of a Cyrillic letter that anyascii does not give: English "ye" for е,
# and "j" for ж, as Kazakh names are often written in English ("Jomart").
EXTRA_LATIN = {"е": ("ye",), "э": ("ye",), "й": ("y",), "и": ("y",), "ж": ("j",)}
# And the other way: "ye" typed for е also matches a Latin "e" ("Tokayev", "Tokaev").
LATIN_ALSO = {"ye": "e"}
REGEX_SPECIAL = set(".^$*+?()[]{}|\\-/")


def partners_of(letter: str) -> str:
    """The Cyrillic letter with the letters it is spelled as in the other language."""
    for group in CYRILLIC_PARTNERS:
        if letter in group:
            return group
    return letter


def latin_of(letter: str) -> set[str]:
    """The lower-case Latin spellings of a Cyrillic letter."""
    spellings = {anyascii(letter).lower(), *EXTRA_LATIN.get(letter, ())}
    return {s for s in spellings if s and s.isalpha()}


def latin_to_cyrillic() -> dict[str, set[str]]:
    """Each Latin spelling and the Cyrillic letters it transliterates."""
    table: dict[str, set[str]] = {}
    for letter in CYRILLIC_LETTERS:
        for spelling in latin_of(letter):
            table.setdefault(spelling, set()).add(letter)
    return table


LATIN_TO_CYRILLIC = latin_to_cyrillic()
LONGEST_LATIN = max(len(spelling) for spelling in LATIN_TO_CYRILLIC)


def escaped(character: str) -> str:
    """A character as a regular expression matching itself."""
    return "\\" + character if character in REGEX_SPECIAL else character


def alternatives(singles: set[str], sequences: set[str]) -> str:
    """One regular-expression unit: a class of single characters or a group of sequences."""
    ordered = "".join(sorted(singles))
    if not sequences:
        return f"[{ordered}]" if len(singles) > 1 else escaped(ordered)
    options = sorted(sequences, key=lambda s: (-len(s), s))
    if singles:
        options.append(f"[{ordered}]" if len(singles) > 1 else escaped(ordered))
    return "(?:" + "|".join(options) + ")"


def spelling_pattern(folded: str, latin_variants: dict[str, str]) -> str:
    """A regular expression matching a folded text in either script.

    Args:
        folded: the search text, lower case, without accents, spaces single.
        latin_variants: each Latin letter and its accented forms (all matched alike).

    Returns:
        The pattern; spaces match any run of whitespace.
    """
    parts: list[str] = []
    position = 0
    while position < len(folded):
        character = folded[position]
        if character == " ":
            parts.append("\\s+")
            position += 1
        elif character in CYRILLIC_LETTERS:
            letters = set(partners_of(character))
            spellings = set().union(*(latin_of(letter) for letter in letters))
            singles = letters | {s for s in spellings if len(s) == 1}
            for s in list(singles):
                singles |= set(latin_variants.get(s, ""))
            parts.append(alternatives(singles, {s for s in spellings if len(s) > 1}))
            position += 1
        elif character.isascii() and character.isalpha():
            for length in range(min(LONGEST_LATIN, len(folded) - position), 0, -1):
                chunk = folded[position : position + length]
                if chunk in LATIN_TO_CYRILLIC:
                    break
            else:
                chunk = character
            letters = set().union(
                *(set(partners_of(c)) for c in LATIN_TO_CYRILLIC.get(chunk, set()))
            )
            if len(chunk) == 1:
                singles = set(latin_variants.get(chunk, chunk)) | letters
                parts.append(alternatives(singles, set()))
            else:
                singles = letters | set(latin_variants.get(LATIN_ALSO.get(chunk, ""), ""))
                parts.append(alternatives(singles, {chunk}))
            position += len(chunk)
        else:
            parts.append(escaped(character))
            position += 1
    return "".join(parts)
