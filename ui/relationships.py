"""続柄 as the registry writes them, and the message that says each in the resident's language.

The registry keeps the official Japanese term; a term not listed here is shown as written."""
from __future__ import annotations

MESSAGES = {
    "本人": "relationship.self", "世帯主": "relationship.head", "妻": "relationship.wife",
    "夫": "relationship.husband", "子": "relationship.child", "長男": "relationship.son_1",
    "二男": "relationship.son_2", "三男": "relationship.son_3", "長女": "relationship.daughter_1",
    "二女": "relationship.daughter_2", "三女": "relationship.daughter_3", "孫": "relationship.grandchild",
    "父": "relationship.father", "母": "relationship.mother", "同居人": "relationship.lodger",
}


def relationship(tr, term: str) -> str:
    key = MESSAGES.get(term)
    return tr(key) if key else term
