"""The default risk checklist, as data: question ids, our own wording, order.

Areas adopt new versions without losing old assessments because every
assessment points at the version it was completed on. The topics follow the
national checklist's order (DOMAIN.md, "The risk checklist"); the wording here
is eMARAC's own. Items 25-27 are the police form's questions about children
and dependants. Two optional sections follow: a stalking screen and honour-
based abuse / forced marriage.
"""

from __future__ import annotations

from typing import NamedTuple


class SeedQuestion(NamedTuple):
    code: str
    text: str
    factor: str | None = None  # causal or vulnerability factor it feeds, for indicators


CORE: list[SeedQuestion] = [
    SeedQuestion("injury", "Is the victim injured now, or were they injured in this incident?"),
    SeedQuestion("frightened", "Is the victim very frightened?"),
    SeedQuestion(
        "fears",
        "Is the victim afraid of what the abuser may do next (including being killed, or harm to others)?",
    ),
    SeedQuestion(
        "isolated",
        "Does the victim feel cut off from family or friends, or kept away from them by the abuser?",
    ),
    SeedQuestion(
        "depressed",
        "Is the victim feeling depressed or having thoughts of suicide?",
        "mental_health",
    ),
    SeedQuestion(
        "separation",
        "Has the victim separated from the abuser, or tried to, in the past year?",
        "separation",
    ),
    SeedQuestion(
        "child_contact", "Is there conflict over contact with the children?", "child_contact"
    ),
    SeedQuestion(
        "stalking", "Does the abuser keep contacting, following, stalking or harassing the victim?"
    ),
    SeedQuestion(
        "pregnancy",
        "Is the victim pregnant, or have they had a baby in the last 18 months?",
        "pregnancy",
    ),
    SeedQuestion("more_often", "Is the abuse happening more often?"),
    SeedQuestion("getting_worse", "Is the abuse getting worse?"),
    SeedQuestion(
        "controlling",
        "Does the abuser try to control everything the victim does, or show excessive jealousy?",
    ),
    SeedQuestion("weapons", "Has the abuser used weapons or objects to hurt the victim?"),
    SeedQuestion(
        "threats_to_kill",
        "Has the abuser threatened to kill the victim or someone else, and did the victim believe it?",
    ),
    SeedQuestion(
        "strangulation",
        "Has the abuser ever strangled, choked, suffocated or tried to drown the victim?",
    ),
    SeedQuestion(
        "sexual_abuse",
        "Does the abuser do or say sexual things that make the victim feel bad or that hurt them or others?",
    ),
    SeedQuestion(
        "others_threat",
        "Is anyone else threatening the victim, or is the victim afraid of anyone else (including so-called honour-based threats)?",
    ),
    SeedQuestion(
        "harmed_others",
        "Has the abuser hurt anyone else, such as children, relatives or a previous partner?",
    ),
    SeedQuestion(
        "harmed_animals", "Has the abuser hurt or threatened to hurt pets or other animals?"
    ),
    SeedQuestion(
        "financial",
        "Are there financial problems, or is the victim financially dependent on the abuser?",
        "financial_dependence",
    ),
    SeedQuestion(
        "perpetrator_problems",
        "Has the abuser had problems with alcohol, drugs or mental health in the past year?",
        "alcohol_drugs_mental_health",
    ),
    SeedQuestion("perpetrator_suicide", "Has the abuser threatened or tried suicide?"),
    SeedQuestion(
        "breach",
        "Has the abuser broken bail, an injunction or any formal agreement about contact or the children?",
    ),
    SeedQuestion(
        "criminal_history",
        "Does the abuser have a criminal record, for domestic abuse or other violence?",
    ),
    SeedQuestion(
        "children_household", "Are there children or other dependants living in the household?"
    ),
    SeedQuestion(
        "children_harmed",
        "Has the abuser threatened or harmed a child or dependant in the household?",
    ),
    SeedQuestion("other_dependants", "Is the victim caring for an adult who depends on them?"),
]

STALKING: list[SeedQuestion] = [
    SeedQuestion("st_fear", "Is the victim very frightened by the stalking?"),
    SeedQuestion("st_previous", "Has the stalker stalked or harassed anyone before?"),
    SeedQuestion(
        "st_contact_others", "Has the stalker contacted the victim's family, friends or colleagues?"
    ),
    SeedQuestion(
        "st_violence", "Has the stalker been violent or threatened violence towards the victim?"
    ),
    SeedQuestion("st_property", "Has the stalker damaged the victim's property?"),
    SeedQuestion("st_turn_up", "Does the stalker turn up where the victim is, uninvited?"),
    SeedQuestion(
        "st_fixated", "Is the stalker fixated on the victim, or does the victim feel watched?"
    ),
    SeedQuestion(
        "st_messages", "Does the stalker send unwanted messages, gifts or posts, including online?"
    ),
    SeedQuestion("st_third_parties", "Has the stalker recruited others to help?"),
    SeedQuestion("st_escalating", "Is the stalking happening more often or getting worse?"),
    SeedQuestion(
        "st_known_to_police", "Has the stalker been in trouble with the police for any reason?"
    ),
]

HONOUR: list[SeedQuestion] = [
    SeedQuestion(
        "hb_family_threat",
        "Has anyone in the family or community threatened the victim over their behaviour or choices?",
    ),
    SeedQuestion(
        "hb_forced_marriage",
        "Is the victim being pressured into a marriage they do not want, or have they been married without consent?",
    ),
    SeedQuestion("hb_travel", "Is there a risk the victim may be taken abroad against their will?"),
    SeedQuestion(
        "hb_multiple_perpetrators",
        "Are several people involved in controlling or threatening the victim?",
    ),
    SeedQuestion(
        "hb_previous",
        "Has anyone in the family been harmed, gone missing or been forced to marry before?",
    ),
]

SECTIONS: dict[str, tuple[str, list[SeedQuestion]]] = {
    "core": ("Risk checklist", CORE),
    "stalking": ("Stalking screen (optional)", STALKING),
    "honour": ("Honour-based abuse and forced marriage (optional)", HONOUR),
}
