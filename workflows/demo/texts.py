"""Words for the demo data: what letters are about, what replies and notes say.

Data, not logic. Summaries describe situations generically ("a journalist", "the company's
operations") and never carry a person's name: names of people concerned belong in the
confidential question only, and there they are obvious placeholders (`placeholder_names`).
Other actors are invented, generic names; none is meant to be a real company or group.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """What a communication is about: its summary, themes and the mandates that lead on it.

    `letter` is the base type (AL, UA or OL) it suits; `to` the kind of addressee ("state",
    "company", "io", "armed"). A summary may contain {who} and {trigger}."""

    letter: str
    to: str
    summary: str
    themes: tuple[str, ...]
    mandates: tuple[str, ...]


# Who is concerned, with the themes that follows from it.
WHO: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("a woman human rights defender", ("hrd", "gender")),
    ("a journalist", ("hrd",)),
    ("a human rights lawyer", ("hrd",)),
    ("an environmental defender", ("hrd",)),
    ("a trade union leader", ("hrd",)),
    ("a student activist", ("hrd",)),
    ("a blogger", ("hrd",)),
    ("members of a non-governmental organisation", ("hrd",)),
    ("an Indigenous leader", ("hrd",)),
    ("a community radio presenter", ("hrd",)),
    ("a political opponent", ()),
    ("a religious leader", ()),
    ("a minor", ("children",)),
    ("several women protesters", ("gender",)),
)

TRIGGERS = (
    "a peaceful protest",
    "the publication of an article critical of the authorities",
    "posts on social media",
    "a complaint about police abuses",
    "a press conference on land rights",
    "a public meeting on an upcoming election",
    "a campaign against a mining project",
)

_D, _H = ("detention",), ("hrd",)
TOPICS: tuple[Topic, ...] = (
    # Allegation letters to States: the violation has occurred.
    Topic("AL", "state", "Alleged arbitrary detention of {who} following {trigger}.", _D,
          ("WGAD", "SR HRDs", "SR FoE", "SR FoAA")),
    Topic("AL", "state", "Alleged torture and ill-treatment of {who} in pre-trial detention.",
          _D, ("SR Torture", "WGAD", "SR IJL")),
    Topic("AL", "state", "Alleged enforced disappearance of {who} after {trigger}.", _D,
          ("WGEID", "WGAD", "SR HRDs")),
    Topic("AL", "state", "Alleged killing of {who} by security forces during {trigger}.", (),
          ("SR Executions", "SR FoAA", "SR HRDs")),
    Topic("AL", "state", "Alleged smear campaign and online harassment against {who}.", _H,
          ("SR HRDs", "SR FoE", "SR Privacy")),
    Topic("AL", "state", "Alleged forced eviction of a rural community without consultation "
          "or compensation.", (), ("SR Housing", "SR Indigenous Peoples", "SR Food")),
    Topic("AL", "state", "Alleged sexual violence against women held in police custody.",
          ("gender", "detention"), ("SR VAWG", "SR Torture", "WGDAWG")),
    Topic("AL", "state", "Alleged discrimination and attacks against members of a religious "
          "minority.", (), ("SR FoRB", "SR Minority Issues", "SR Racism")),
    Topic("AL", "state", "Alleged denial of medical care to {who} in detention.", _D,
          ("SR Health", "SR Torture", "WGAD")),
    Topic("AL", "state", "Alleged conviction of {who} after an unfair trial.", _D,
          ("SR IJL", "WGAD", "SR FoE")),
    Topic("AL", "state", "Alleged pushbacks and ill-treatment of migrants at the border.", (),
          ("SR Migrants", "SR Torture", "SR Racism")),
    # Urgent appeals: ongoing or imminent.
    Topic("UA", "state", "Imminent execution of {who} sentenced to death after an allegedly "
          "unfair trial.", _D, ("SR Executions", "SR Torture", "SR IJL", "WGAD")),
    Topic("UA", "state", "Ongoing incommunicado detention of {who}; their whereabouts remain "
          "unknown.", _D, ("WGEID", "WGAD", "SR Torture")),
    Topic("UA", "state", "Imminent deportation of asylum seekers to a country where they risk "
          "torture.", (), ("SR Migrants", "SR Torture")),
    Topic("UA", "state", "Deteriorating health of {who} on hunger strike in detention.", _D,
          ("SR Health", "WGAD", "SR Torture")),
    Topic("UA", "state", "Imminent eviction of an informal settlement of several hundred "
          "families.", ("children",), ("SR Housing", "SR Extreme Poverty", "SR Water")),
    Topic("UA", "state", "Death threats against {who} after {trigger}.", _H,
          ("SR HRDs", "SR FoE", "SR Executions")),
    # Other letters: legislation and policy.
    Topic("OL", "state", "Concerns about the draft law on foreign agents and its compatibility "
          "with international human rights law.", (), ("SR FoAA", "SR HRDs", "SR FoE")),
    Topic("OL", "state", "Concerns about the new counter-terrorism law and its broad definition "
          "of terrorism.", (), ("SR Counter-Terrorism", "SR FoE", "WGAD")),
    Topic("OL", "state", "Concerns about the draft cybercrime law and online content "
          "restrictions.", (), ("SR FoE", "SR Privacy")),
    Topic("OL", "state", "Concerns about the law on public assemblies adopted last month.", (),
          ("SR FoAA", "SR HRDs")),
    Topic("OL", "state", "Concerns about proposed amendments to the asylum and immigration "
          "law.", (), ("SR Migrants", "SR Racism")),
    Topic("OL", "state", "Concerns about reforms affecting the independence of the judiciary.",
          (), ("SR IJL",)),
    Topic("OL", "state", "Information requested on measures to ensure access to safe drinking "
          "water in rural areas.", (), ("SR Water", "SR Health", "SR Extreme Poverty")),
    # Companies, international organisations, armed groups.
    Topic("AL", "company", "Alleged river pollution and health impacts on nearby communities "
          "linked to the company's operations.", (),
          ("WGBHR", "SR Toxics", "SR Environment", "SR Water")),
    Topic("AL", "company", "Alleged forced labour in the company's supply chain.", (),
          ("WGBHR", "SR Slavery and Trafficking", "SR Migrants")),
    Topic("AL", "company", "Alleged attacks on land defenders opposing one of the company's "
          "projects.", _H, ("WGBHR", "SR HRDs", "SR Indigenous Peoples")),
    Topic("AL", "company", "Alleged sale of surveillance technology used to target "
          "journalists.", _H, ("SR Privacy", "SR FoE", "WGBHR")),
    Topic("OL", "company", "Information requested on the company's human rights due diligence "
          "for a planned plantation.", (), ("WGBHR", "SR Indigenous Peoples", "SR Food")),
    Topic("OL", "io", "Concerns about the human rights impact of a financed infrastructure "
          "project and the lack of a grievance mechanism.", (),
          ("WGBHR", "SR Housing", "SR Environment")),
    Topic("AL", "io", "Alleged displacement of families linked to a project the organisation "
          "supports.", (), ("SR Housing", "SR IDPs", "WGBHR")),
    Topic("AL", "armed", "Alleged abduction of civilians, including children, by members of "
          "the group.", ("children",), ("WGEID", "SR Executions", "SR Sale of Children")),
    Topic("AL", "armed", "Alleged attacks on schools and health facilities.", ("children",),
          ("SR Education", "SR Health", "SR Executions")),
    Topic("UA", "armed", "Threats against humanitarian workers held by the group.", (),
          ("SR Executions", "SR IDPs")),
)  # fmt: skip

REPRISAL_TOPICS: tuple[Topic, ...] = (
    Topic(
        "AL",
        "state",
        "Alleged intimidation of {who} after cooperating with the United Nations.",
        ("reprisal", "hrd"),
        ("SR HRDs", "SR FoE", "WGAD"),
    ),
    Topic(
        "UA",
        "state",
        "Travel ban imposed on {who} ahead of a session of the Human Rights Council.",
        ("reprisal", "hrd"),
        ("SR HRDs", "SR FoAA", "SR FoE"),
    ),
    Topic(
        "AL",
        "state",
        "Alleged detention of {who} after meeting a Special Rapporteur during a country visit.",
        ("reprisal", "hrd", "detention"),
        ("SR HRDs", "WGAD"),
    ),
)

REPLIES = {
    "substantive": (
        "The Government rejected the allegations and said the measures complied with national law.",
        "The Government described the investigation opened into the allegations.",
        "The Government provided detailed information on the legal basis and the safeguards.",
        "The Government reported that the person concerned had been released.",
    ),
    "partial": (
        "The Government answered some of the questions and announced further information.",
        "General information on the legislation, without reference to the specific case.",
    ),
    "acknowledgement": (
        "Acknowledgement of receipt; a substantive reply was announced.",
        "The Permanent Mission acknowledged receipt and forwarded the letter to the capital.",
    ),
    "rejection": (
        "The Government rejected the communication as interference in its internal affairs.",
        "The Permanent Mission returned the letter and declined to engage with the mandate.",
    ),
}

COMPANY_PREFIXES = (
    "Acme", "Northwind", "Silverline", "Redstone", "Bluewater", "Greenfield", "Ironbridge",
    "Sunrise", "Highland", "Coastal", "Goldleaf", "Eastgate", "Westbrook", "Summit", "Crescent",
    "Horizon", "Pioneer", "Evergreen", "Granite", "Meridian",
)  # fmt: skip
COMPANY_SECTORS = (
    "Mining",
    "Palm Oil",
    "Hydropower",
    "Textiles",
    "Logistics",
    "Security Services",
    "Agribusiness",
    "Timber",
    "Petroleum",
    "Telecom",
    "Surveillance Systems",
    "Construction",
    "Cement",
    "Fisheries",
    "Cocoa Trading",
)
COMPANY_SUFFIXES = ("Ltd", "Plc", "S.A.", "GmbH", "Inc.", "Group", "Holdings", "Corporation")
ORGANISATIONS = (
    "Southern Regional Development Bank",
    "Northern Basin Water Commission",
    "Inter-Regional Investment Fund",
    "Global Commodity Standards Council",
    "Continental Infrastructure Facility",
    "Coastal States Fisheries Commission",
    "Regional Seed and Agriculture Fund",
    "Tri-Border Security Initiative",
    "Highlands Energy Partnership",
    "International Port Development Agency",
)
ARMED_GROUPS = (
    "Northern Liberation Front",
    "Eastern Highlands Militia",
    "Coastal Defence Brigades",
    "United Patriotic Forces",
    "Movement for Justice in the Hills",
    "Western Plains Self-Defence Groups",
    "Revolutionary Forces of the Valley",
    "Southern Resistance Council",
    "Popular Front for the Lakes",
    "Army of the Free Mountains",
)

VISIT_NOTES = {
    "reminder": "Reminder sent to the Permanent Mission.",
    "in_principle": "Accepted in principle; dates to be agreed.",
    "dates": "Dates confirmed by the Government.",
    "declined": "The Government said the timing was not suitable.",
    "postponed": "Postponed at the Government's request.",
    "mh_accepted": "Invitation accepted; dates agreed with the Permanent Mission.",
    "mh_declined": "Invitation declined: the mandate holder's schedule is full this year.",
}
TOR_DETAILS = (
    "Access to a detention centre was refused on the day.",
    "Officials attended meetings with civil society.",
    "Travel to the northern provinces was not authorised.",
)

RECOMMENDATIONS = (
    ("Adopt a law protecting human rights defenders", "No specific protection existed"),
    (
        "Establish an independent complaints mechanism for places of detention",
        "Complaints were handled by the police itself",
    ),
    ("Repeal the provisions criminalising defamation", "Several journalists were prosecuted"),
    (
        "Guarantee access to a lawyer from the outset of detention",
        "Access was often delayed by several days",
    ),
    ("Carry out a census of internally displaced persons", "No reliable data were available"),
    (
        "Consult affected communities before granting concessions",
        "Concessions were granted without consultation",
    ),
    ("Ratify the Optional Protocol to the Convention against Torture", "Not ratified"),
    (
        "Ensure the independence of the national human rights institution",
        "Its members were appointed by the executive",
    ),
)
STEPS = (
    "A draft law was submitted to Parliament.",
    "The Government reported training for police officers.",
    "No information was received from the Government.",
    "A working group was set up; it has not yet reported.",
    "The measure was adopted and is being implemented.",
)


def placeholder_names(rng: random.Random) -> str:
    """Names for the confidential question: plainly fake, so a leak in a test is obvious."""
    count = rng.choice((1, 1, 1, 2, 3))
    return "; ".join(f"[demo] Person {rng.randrange(10_000):04d}" for _ in range(count))
