"""Hand-written expected records of the fixture pages in tests/fixtures/.

Worked out from each page's markup by hand, not from the parser's output; shared by the
tests that read those pages.
"""

CLASSIC = {
    "id": "300101",
    "url": "https://www.golem.de/news/glasfaser-im-altbau-warum-der-ausbau-im-treppenhaus-stockt-2501-300101.html",
    "short_url": "https://glm.io/300101",
    "kicker": None,
    "title": "Warum der Ausbau im Treppenhaus stockt",
    "headline": "Warum der Ausbau im Treppenhaus stockt",
    "summary": "Netzbetreiber und Vermieter streiten über die letzten zwanzig Meter. "
    "Glasfaser bleibt so oft im Keller.",
    "authors": [
        {"name": "Greta Beispiel", "url": "https://www.golem.de/specials/autor-greta-beispiel/"},
        {"name": "Jonas Müster", "url": "https://www.golem.de/specials/autor-jonas-muster/"},
    ],
    "genre": "Analyse",
    "published": "2025-01-14T09:05:33+01:00",
    # JSON-LD writes Berlin time with a false "Z"; learnt from datePublished.
    "modified": "2025-01-15T18:00:07+01:00",
    "body": [
        {
            "type": "paragraph",
            "text": "Im Keller liegt die Faser längst bereit, doch im Treppenhaus fehlt das Leerrohr.",
        },
        {"type": "heading", "text": "Was Mieter tun können"},
        {
            "type": "list",
            "text": "Den Vermieter schriftlich fragen\nDie Gestattungsvereinbarung prüfen",
            "items": ["Den Vermieter schriftlich fragen", "Die Gestattungsvereinbarung prüfen"],
        },
        {"type": "quote", "text": "„Wir warten seit zwei Jahren“, sagt eine Mieterin."},
        {"type": "code", "text": "ping -c 3 router.local\n  rtt min/avg/max = 1.1/1.3/1.9 ms"},
        {"type": "table", "text": "Tarif | Preis\n1 GBit/s | 70 Euro"},
    ],
    "images": [
        {
            "url": "https://www.golem.de/2501/300101-1-1_rc.jpg",
            "caption": "Ein offener Hausanschlusskasten im Keller",
            "credit": "Greta Beispiel/Golem.de",
        },
        {
            "url": "https://www.golem.de/2501/300101-2-2_rc.jpg",
            "caption": "Die Dämpfung nach dem Spleißen",
            "credit": "Golem.de",
        },
    ],
    "videos": [],
    "topics": ["Glasfaser", "Breitband"],
    "paywall": False,
    "opinion": False,
    "sponsored": False,
    "page_count": 1,
    "comment_count": 17,
    "comments_url": None,
    "related": [],
    "language": "de",
    "layout": "classic",
    "crawled_at": "2026-04-02T08:30:00Z",
}

CURRENT = {
    "id": "300202",
    "url": "https://www.golem.de/news/heimlabor-speicher-fuer-heimlabore-im-vergleich-2603-300202.html",
    "kicker": "Heimlabor",
    "title": "Speicher für Heimlabore im Vergleich",
    "headline": "Heimlabor: Speicher für Heimlabore im Vergleich",
    "summary": "Drei NAS-Systeme im Dauertest.",
    "authors": [{"name": "Ida Probe", "url": "https://www.golem.de/specials/autor-ida-probe/"}],
    "genre": "Kommentar",
    # Shown only, no datetime attribute, no JSON-LD; 03:15 on the night clocks go forward.
    "published": "2026-03-29T03:15:00+02:00",
    "modified": None,
    "body": [
        {
            "type": "paragraph",
            "text": 'Wer Daten zu Hause hält, braucht RAID, "Backups" und Geduld.',
        }
    ],
    "text": 'Wer Daten zu Hause hält, braucht RAID, "Backups" und Geduld.',
    "word_count": 10,
    "images": [
        {
            "url": "https://www.golem.de/2603/300202-9-9_rc.jpg",
            "caption": "Drei Geräte im Regal",
            "credit": "Hersteller",
        }
    ],
    "topics": ["NAS", "Speicher"],
    "paywall": True,
    "opinion": True,
    "sponsored": True,
    "comment_count": 4,
    "comments_url": None,
    "layout": "current",
}


CLASSIC_2023 = {
    "id": "300404",
    "url": "https://www.golem.de/news/rechenzentren-abwaerme-heizt-bald-ein-ganzes-wohnviertel-2303-300404.html",
    "kicker": "Rechenzentren",
    "title": "Abwärme heizt bald ein ganzes Wohnviertel",
    "headline": "Rechenzentren: Abwärme heizt bald ein ganzes Wohnviertel",
    "summary": "Ein Rechenzentrum in Nordhessen liefert seine Abwärme an 400 Haushalte. Die Stadtwerke sprechen von einem Modell für andere Kommunen.",
    "authors": [
        {"name": "Lena Beispielhof", "url": "https://www.golem.de/specials/autor-lena-beispielhof/"}
    ],
    "genre": None,
    # Shown "16. März 2023, 10:42 Uhr" (winter time); JSON-LD's false "Z" read as Berlin time.
    "published": "2023-03-16T10:42:19+01:00",
    "modified": "2023-03-16T15:03:55+01:00",
    "body": [
        {
            "type": "paragraph",
            "text": "Seit dem Winter fließt warmes Wasser aus dem Rechenzentrum am Stadtrand in das neue Nahwärmenetz. Bis zu 400 Haushalte sollen damit ihre Heizung betreiben.",
        },
        {
            "type": "paragraph",
            "text": "Die Server erzeugen rund um die Uhr Wärme von etwa 35 Grad. Eine Großwärmepumpe hebt sie auf 70 Grad an, bevor sie in die Leitungen geht.",
        },
        {"type": "heading", "text": "Was die Anlage kostet"},
        {
            "type": "paragraph",
            "text": "Die Stadtwerke nennen Baukosten von 2,1 Millionen Euro; ein Förderprogramm des Landes trägt knapp die Hälfte.",
        },
    ],
    "images": [
        {
            "url": "https://www.golem.de/2303/300404-77001-77000_rc.jpg",
            "caption": "Wärmetauscher im Keller des Rechenzentrums",
            "credit": "Kai Muster/CC-BY-SA 3.0",
        }
    ],
    "videos": [],
    "topics": ["Rechenzentrum", "Energie", "Nachhaltigkeit"],
    # JSON-LD says isAccessibleForFree "False" (golem pur); the content tier says free.
    "paywall": False,
    "opinion": False,
    "sponsored": False,
    "page_count": 1,
    "comment_count": 23,
    "comments_url": "https://forum.golem.de/kommentare/wissenschaft/rechenzentren/300404,list.html",
    "related": [
        {
            "url": "https://www.golem.de/news/waermepumpen-kaeltemittel-im-test-2302-300101.html",
            "id": "300101",
            "kicker": "Wärmepumpen",
            "title": "Kältemittel im Test",
        }
    ],
    "layout": "classic",
    "fallbacks": [],
    "source": "live",
}
