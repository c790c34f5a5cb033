"""Made-up words for synthetic records, so nothing generated can describe a real person.

Every surname ends in ``-Synth`` and every place and organisation carries
"(synthetic)", so a generated record is recognisable on any page or export.
Surnames are built from three short lists to give about twelve thousand
distinct names: enough that a name search returns a handful of people, as it
would in a real area, rather than thousands.
"""

from __future__ import annotations

import itertools


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    """Word lists are kept as running text: easier to read and to extend."""
    return tuple(text.split(sep))


SURNAME_SUFFIX = "-Synth"
MARK = "(synthetic)"
EMAIL_DOMAIN = "synth.emarac.invalid"

GIVEN_FEMALE = _words(
    "Amberly Brisa Caelin Dovey Elowen Galya Hesper Ilsabet Jorunn Kestra Liora Maelis Nerys "
    "Orlaith Quilla Rosamel Sabeline Tamsin Ulvia Veralyn Wrenna Yselde Zarina Aubrelle Bethanne "
    "Corisande Delphra Emmaline Fiora Gwennol Halcyne Isoline Jessamy Kerensa Lowenna Merryn "
    "Nessaly Oriel Perpetua Rhosyn Saffria Teagan Undine Vespera Winnifer Xanthe Ysolde Zephrine"
)
GIVEN_MALE = _words(
    "Bram Corvin Dacre Edric Fenwick Garrick Hollis Ivor Jory Kenver Lorcan Madoc Nevin Osric "
    "Piran Quentyn Roscoe Sorrel Tresco Uther Varick Wystan Yorath Zeb Alaric Brennock Cadoc "
    "Deverel Eamond Faolan Gethin Harrand Idris Jarrow Kellan Lowen Morcant Norrin"
)
GIVEN_CHILD = _words(
    "Alfie-Rae Bluebell Cosmo Daisy-Mae Ezra Fable Gully Hazel Indigo Juno Kit Lark Moss "
    "Nico Otto Poppy Quinn Robin Sky Tansy Umber Vesper Willow Yarrow Zinnia"
)

_STEMS = _words(
    "Ash Brack Cinder Dun Elder Fallow Gorse Harrow Ivy Juniper Kestrel Lark Moor Nettle Oak "
    "Pebble Quarry Rook Salt Thorn Umber Vale Wren Yarrow Alder Bramble Cobble Dapple Ember Fern "
    "Gull Heather Ingle Jay Kettle Linden Marram Nook Otter Pike Quill Rush Sedge Tansy Under "
    "Vetch Willow Yew Birch Clover"
)
_INFIXES = ("", "er", "en", "ing", "ow", "am", "el", "is")
_ENDINGS = _words(
    "by combe dale den field ford gate ham hurst ley low mere more ridge shaw stead stow ton "
    "wick worth well brook bury cott fell holt lock marsh thwaite wood"
)

SURNAMES: tuple[str, ...] = tuple(
    f"{stem}{infix}{ending}{SURNAME_SUFFIX}"
    for stem, infix, ending in itertools.product(_STEMS, _INFIXES, _ENDINGS)
)

PLACES_FIRST = _words(
    "North South East West Upper Lower Great Little Old New High Nether Far Middle Long"
)
PLACES_SECOND = _words(
    "vale moor combe ford wick haven marsh holt brook field stead mere dale shire ridge"
)

STREETS = _words(
    "Larkspire Row, Cindervale Lane, Fallowmere Close, Gorsefield Road, Nettlebed Way, "
    "Pebbleton Street, Rookmoor Avenue, Saltmarsh Crescent, Thornbury Mews, Willowholt Drive",
    ", ",
)

LANGUAGES = ("English", "English", "English", "English", "Polish", "Urdu", "Punjabi", "Arabic")

LOCATIONS = (
    "At the victim's home (synthetic)",
    "In the street near the victim's home (synthetic)",
    "At the perpetrator's address (synthetic)",
    "At a relative's home (synthetic)",
    "Outside the victim's workplace (synthetic)",
    "By phone and messages (synthetic)",
)
INJURIES = (
    "Bruising to the arms (synthetic)",
    "Cut to the face (synthetic)",
    "Marks to the neck (synthetic)",
    "Sprained wrist (synthetic)",
)
NARRATIVE = "Synthetic incident record for testing: no real event is described."
RISKS = "Synthetic referral: risks summarised for testing only."
SAFETY = "Synthetic referral: safety measures summarised for testing only."
JUDGEMENT = "Synthetic professional judgement recorded for testing only."
CONSENT_REASON = "Synthetic: consent overridden to protect the victim (testing only)."
RETURNED = "Synthetic: returned for more information (testing only)."
DISCUSSION = "Synthetic conference discussion for testing: no real case is described."
RESEARCH = "Synthetic research note for testing: no real agency record is described."
ACTIONS = (
    "Synthetic action: review safety plan with the victim",
    "Synthetic action: flag the address for a priority police response",
    "Synthetic action: refer the children to early help",
    "Synthetic action: check housing options and a sanctuary scheme",
    "Synthetic action: share the case with the perpetrator's offender manager",
    "Synthetic action: GP to review the victim's health needs",
)
DONE_NOTE = "Synthetic: completed (testing only)."
SAFE_TIMES = ("Weekday mornings", "After 6pm", "Tuesdays only", "Via the IDVA only")
SCHOOL = "Synthetic Primary School"
