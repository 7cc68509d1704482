"""Seeded German texts for the replica: word lists and templates, all invented for it.

Texts come out in normalised form (NFC, single spaces, no soft hyphens); noise is the
renderers' business. They deliberately contain what normalisation must survive: umlauts,
ß, long compounds, en dashes, quoted phrases, parentheses, numbers before units.
"""

from __future__ import annotations

import random

from .markup import slugify
from .specs import Video

AUTHORS = [
    ("Jörg Wündisch", "joerg-wuendisch"),
    ("Sabine Größer", "sabine-groesser"),
    ("Malte Fuchs", "malte-fuchs"),
    ("Anna-Lena Brückner", "anna-lena-brueckner"),
    ("Kemal Öztürk", "kemal-oeztuerk"),
    ("Friederike Weiß", "friederike-weiss"),
    ("Tobias Maaß", "tobias-maass"),
    ("Lea Schäfer", "lea-schaefer"),
    ("Henrik Ohlsen", "henrik-ohlsen"),
    ("Mira Kowalczyk", "mira-kowalczyk"),
]

TOPICS = [
    ("Smartphone", "smartphone"),
    ("Künstliche Intelligenz", "kuenstliche-intelligenz"),
    ("Elektromobilität", "elektromobilitaet"),
    ("Datenschutz", "datenschutz"),
    ("Open Source", "open-source"),
    ("Security", "security"),
    ("Raumfahrt", "raumfahrt"),
    ("Games", "games"),
    ("Linux", "linux"),
    ("Netzpolitik", "netzpolitik"),
    ("Innovation & Forschung", "innovation-und-forschung"),
    ("Technik/Hardware", "technik-und-hardware"),
    ("Akku", "akku"),
    ("Wirtschaft", "wirtschaft"),
    ("Glasfaser", "glasfaser"),
]

COMPANIES = [
    "Nordwind Systems",
    "Datenwerk",
    "Lumora",
    "Brückner Elektronik",
    "Kernfeld",
    "Polarstern Mobility",
    "Wolkenbau",
    "Meridian Labs",
    "Fernlicht",
    "Quellwerk",
    "Hafenblick Software",
    "Südstern Energie",
]
# Neuter nouns only, so "das {product}" and "beim {product}" read right.
PRODUCTS = [
    "Smartphone",
    "Akkupack",
    "Betriebssystem",
    "Sprachmodell",
    "Satellitennetz",
    "Notebook",
    "E-Bike",
    "Headset",
    "Glasfasermodem",
    "Rechenzentrum",
    "Elektroauto",
    "Verschlüsselungsprogramm",
]
MODELS = ["Nova X1", "Aurora 2", "Falke Pro", "Kiel 7", "Luchs S", "Orbit 3", "Polaris 5"]
KICKERS = [
    "Akkutechnik",
    "Datenschutz",
    "Open Source",
    "Raumfahrt",
    "Sicherheitslücke",
    "Elektromobilität",
    "Künstliche Intelligenz",
    "Glasfaserausbau",
    "Quantencomputer",
    "Mobilfunk",
    "Linux-Kernel",
    "Halbleiterfertigung",
    "Spielebranche",
    "Cloud-Dienste",
    "Netzpolitik",
]
SPEAKERS = ["Claudia Reimann", "Jonas Petersen", "Ülkü Demir", "Gregor Strauß", "Maren Jürgensen"]
CITIES = ["München", "Köln", "Düsseldorf", "Hamburg", "Görlitz", "Lübeck", "Würzburg"]
MONTH_NAMES = ["Januar", "März", "Mai", "Juli", "September", "Oktober", "Dezember"]
PACKAGES = ["nordwind-cli", "datenwerk-agent", "quellwerk-sync", "lumora-tools"]
VIDEO_CATEGORIES = ["auto", "games", "wissenschaft", "technik", "software"]

TITLES = [
    "{company} stellt {product} {model} vor",
    "{company} muss {product} zurückrufen",
    "Warum {company} beim {product} zögert",
    "So schnell ist das {product} {model} von {company}",
    "{company} kündigt günstigeres {product} an",
    "Behörde prüft {product} von {company}",
    "Hat {company} genug Chips für das {product}?",
    "{product} {model} kostet {price} Euro",
]
SUMMARIES = [
    "{company} hat das {product} {model} vorgestellt. Unklar ist, ob genug Geräte lieferbar sind.",
    "Das neue {product} von {company} soll im {month} erscheinen. Die Konkurrenz reagiert bereits.",
    "Nutzer berichten von Problemen mit dem {product}. {company} verspricht ein schnelles Update.",
    "{company} setzt beim {product} auf eigene Chips. Das spart Strom, kostet aber Zeit.",
    "Der Preis für das {product} {model} liegt bei {price} Euro. Erste Tests fallen gemischt aus.",
]
SENTENCES = [
    "{company} hat am Dienstag in {city} das {product} {model} vorgestellt.",
    "Das Unternehmen nennt einen Preis von {price} Euro, der Marktstart ist für {month} geplant.",
    "Nach Angaben von {company} erreicht das System eine Leistung von {num} Gigaflops.",
    "Kritiker bemängeln, dass die Datenschutzgrundverordnung kaum berücksichtigt wurde.",
    "{speaker} von {company} sagte, man habe die Entwicklung über {small} Monate vorbereitet.",
    "Ob das Konzept aufgeht, dürfte sich erst im kommenden Jahr zeigen.",
    "Erste Tests zeigen, dass die Akkulaufzeit bei rund {small} Stunden liegt.",
    "Die Software steht unter einer Open-Source-Lizenz und ist auf der Projektseite verfügbar.",
    "Laut {company} sollen bis Ende {year} rund {num} Geräte ausgeliefert werden.",
    'Ein Sprecher von {company} bezeichnete die Vorwürfe als "haltlos und übertrieben".',
    "Besonders die Verschlüsselungsverfahren haben sich seit der letzten Generation verbessert.",
    "Im Vergleich zum Vorgänger steigt die Effizienz um {small} Prozent.",
    "Der Hochgeschwindigkeitsnetzausbau in ländlichen Regionen kommt dagegen nur langsam voran.",
    "Wer das Update installieren möchte, findet es in den Systemeinstellungen.",
    "Die Behörde prüft den Fall derzeit und will bis {month} entscheiden.",
    "Für Entwickler stehen eine Programmierschnittstelle und eine Dokumentation bereit.",
    "Offen bleibt, wie {company} die Lieferengpässe lösen will – eine Stellungnahme steht aus.",
    "Nutzer berichten im Forum von Abstürzen (vor allem unter Linux) und langen Ladezeiten.",
    'Das Gerät soll "bis zu {small} Stunden" durchhalten, im Alltag sind es weniger.',
    "Der Speicher fasst {num} GByte, die Ladeleistung liegt bei {small} Watt.",
    "Größere Stückzahlen erwartet {company} erst nach dem Umbau der Fertigungsstraße in {city}.",
    "Die Konkurrenz aus Asien hat ähnliche Geräte bereits im Frühjahr angekündigt.",
]
HEADINGS = [
    "Preis und Verfügbarkeit",
    "Was {company} jetzt plant",
    "Kritik an der Umsetzung",
    "Technische Details im Überblick",
    "Wie geht es weiter?",
    "Ein Blick auf die Konkurrenz",
    "Das {product} im Alltag",
]
LIST_ITEMS = [
    "Akkulaufzeit: bis zu {small} Stunden",
    "Gewicht: {num} Gramm",
    "Anschlüsse: USB-C, HDMI 2.1 und Ethernet",
    "Preis: ab {price} Euro",
    "Marktstart: {month} {year}",
    "Speicher: {small} GByte LPDDR5",
    "Betriebssystem: eigenes Linux-Derivat",
]
CAPTIONS = [
    "Das neue {product} von {company}",
    "Blick in die Fertigung in {city}",
    "{speaker} bei der Präsentation in {city}",
    "Die Benutzeroberfläche der Software",
    "Ein Prototyp auf der Messe",
]


_PRICES = (199, 349, 499, 799, 1299)


class TextGen:
    """Draws German article texts from a seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # `choice(seq)` is `seq[_randbelow(len(seq))]` and `randint(a, b)` is
        # `a + _randbelow(b - a + 1)`; `_fill` draws through `_randbelow` directly, the same
        # numbers without the argument checks: it makes most of a large replica's draws.
        self._below = rng._randbelow

    def _fill(self, template: str, **fixed: str) -> str:
        below = self._below
        product = fixed.get("product") or PRODUCTS[below(len(PRODUCTS))]
        slots = {
            "company": COMPANIES[below(len(COMPANIES))],
            "product": product,
            "model": MODELS[below(len(MODELS))],
            "speaker": SPEAKERS[below(len(SPEAKERS))],
            "city": CITIES[below(len(CITIES))],
            "month": MONTH_NAMES[below(len(MONTH_NAMES))],
            "year": str(2025 + below(4)),
            "num": str(120 + below(9681)),
            "small": str(3 + below(46)),
            "price": str(_PRICES[below(len(_PRICES))]),
            **fixed,
        }
        return template.format(**slots)

    def kicker(self) -> str:
        return self.rng.choice(KICKERS)

    def title(self, product: str) -> str:
        return self._fill(self.rng.choice(TITLES), product=product)

    def summary(self, product: str) -> str:
        return self._fill(self.rng.choice(SUMMARIES), product=product)

    def paragraph(self, product: str) -> str:
        chosen = self.rng.sample(SENTENCES, self.rng.randint(3, 5))
        return " ".join(self._fill(s, product=product) for s in chosen)

    def heading(self, product: str) -> str:
        return self._fill(self.rng.choice(HEADINGS), product=product)

    def list_items(self) -> list[str]:
        return [self._fill(t) for t in self.rng.sample(LIST_ITEMS, self.rng.randint(3, 4))]

    def quote(self) -> str:
        said = self._fill(self.rng.choice(SENTENCES[:9])).rstrip(".").replace('"', "")
        return f'"{said}", sagte {self.rng.choice(SPEAKERS)} im Gespräch mit Golem.'

    def code(self) -> str:
        package = self.rng.choice(PACKAGES)
        return self.rng.choice(
            [
                f"sudo apt install {package}",
                f"git clone https://example.org/{package}.git",
                f"docker run --rm -p 8080:80 {package}:latest",
            ]
        )

    def table(self) -> list[list[str]]:
        rows = [["Modell", "Preis", "Akkulaufzeit"]]
        for model in self.rng.sample(MODELS, 3):
            price = self.rng.choice([199, 349, 499, 799])
            rows.append([model, f"{price} Euro", f"{self.rng.randint(6, 30)} Stunden"])
        return rows

    def caption(self, product: str) -> str:
        return self._fill(self.rng.choice(CAPTIONS), product=product)

    def credit(self) -> str:
        return self.rng.choice(
            [self._fill("{company}"), "Golem.de", self._fill("{speaker}/Golem.de"), "Getty Images"]
        )

    def video(self, product: str) -> Video:
        title = self._fill("{product} von {company} – Präsentation", product=product)
        number = self.rng.randint(20000, 29999)
        category = self.rng.choice(VIDEO_CATEGORIES)
        # Non-zero seconds, and one long video in four (the h:mm:ss display).
        seconds = self.rng.choice([self.rng.randint(61, 899), self.rng.randint(3601, 5400)])
        seconds += seconds % 60 == 0
        return {
            "url": f"https://video.golem.de/{category}/{number}/{slugify(title)}.html",
            "title": title,
            "duration_seconds": seconds,
        }
