"""Write examples/sample_contacts.csv: realistic, deterministic contacts for the demo.

    python examples/make_sample_contacts.py [ROWS] [--out PATH]

Three rows are deliberately bad (a malformed email, a bad boolean, a short row) so the demo
shows how rejected rows are reported; they sit at a thirtieth, a third and two thirds of the
file, so the default 3,000 rows reproduce the bundled sample byte for byte. Every row is made
before the file is opened: a bad argument never leaves a half-written sample behind.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Diego",
    "Emma",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Vik",
    "Wen",
    "Xena",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adams",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kim",
    "Lopez",
    "Mensah",
    "Novak",
    "Okafor",
    "Patel",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
]
CITIES = [
    ("Austin", "TX"),
    ("Denver", "CO"),
    ("Portland", "OR"),
    ("Miami", "FL"),
    ("Boston", "MA"),
    ("Chicago", "IL"),
    ("Seattle", "WA"),
    ("Phoenix", "AZ"),
]
TAGS = ["lead", "customer", "vip", "newsletter", "webinar", "trial", "referral"]
SOURCES = ["website", "import", "event", "referral", "ads"]
COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "city",
    "state",
    "postal_code",
    "country",
    "source",
    "tags",
    "dnd",
    "custom:plan",
]
OUT = Path(__file__).resolve().parent / "sample_contacts.csv"


def rows(count: int) -> list[list[str]]:
    rng = random.Random(2026)
    result = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state = rng.choice(CITIES)
        tags = ";".join(sorted(rng.sample(TAGS, rng.randint(0, 3))))
        result.append(
            [
                first,
                last,
                f"{first}.{last}.{n}@example.com".lower(),
                f"+1512{rng.randint(2000000, 9999999)}",
                f"{last} {rng.choice(['LLC', 'Inc', 'Co'])}",
                city,
                state,
                f"{rng.randint(10000, 99999)}",
                "US",
                rng.choice(SOURCES),
                tags,
                rng.choice(["false", "false", "false", "true"]),
                rng.choice(["free", "pro", "team"]),
            ]
        )
    result[count // 30][2] = "not-an-email"
    result[count // 3][11] = "sometimes"
    result[2 * count // 3] = result[2 * count // 3][:5]
    return result


def _row_count(text: str) -> int:
    count = int(text)
    if count < 3:
        raise argparse.ArgumentTypeError("at least 3 rows (three of them are the bad examples)")
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a deterministic sample of contacts.")
    parser.add_argument("rows", nargs="?", type=_row_count, default=3000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    made = rows(args.rows)
    with args.out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(made)
    print(f"wrote {args.rows} rows to {args.out}")


if __name__ == "__main__":
    main()
