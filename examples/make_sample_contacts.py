"""Write examples/sample_contacts.csv: realistic, deterministic contacts for the demo.

    python examples/make_sample_contacts.py [ROWS]

Three rows are deliberately bad (a malformed email, a bad boolean, a short row) so the demo
shows how rejected rows are reported.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

FIRST = ["Ava", "Ben", "Chloe", "Diego", "Emma", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi",
         "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik",
         "Wen", "Xena", "Yusuf", "Zoe"]  # fmt: skip
LAST = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito",
        "Jensen", "Kim", "Lopez", "Mensah", "Novak", "Okafor", "Patel", "Quist", "Rossi", "Silva",
        "Tanaka"]  # fmt: skip
CITIES = [("Austin", "TX"), ("Denver", "CO"), ("Portland", "OR"), ("Miami", "FL"),
          ("Boston", "MA"), ("Chicago", "IL"), ("Seattle", "WA"), ("Phoenix", "AZ")]  # fmt: skip
TAGS = ["lead", "customer", "vip", "newsletter", "webinar", "trial", "referral"]
SOURCES = ["website", "import", "event", "referral", "ads"]
COLUMNS = ["first_name", "last_name", "email", "phone", "company_name", "city", "state",
           "postal_code", "country", "source", "tags", "dnd", "custom:plan"]  # fmt: skip
OUT = Path(__file__).resolve().parent / "sample_contacts.csv"


def rows(count: int) -> list[list[str]]:
    rng = random.Random(2026)
    result = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state = rng.choice(CITIES)
        tags = ";".join(sorted(rng.sample(TAGS, rng.randint(0, 3))))
        result.append([
            first, last, f"{first}.{last}.{n}@example.com".lower(),
            f"+1512{rng.randint(2000000, 9999999)}", f"{last} {rng.choice(['LLC', 'Inc', 'Co'])}",
            city, state, f"{rng.randint(10000, 99999)}", "US", rng.choice(SOURCES), tags,
            rng.choice(["false", "false", "false", "true"]), rng.choice(["free", "pro", "team"]),
        ])  # fmt: skip
    result[100][2] = "not-an-email"
    result[1000][11] = "sometimes"
    result[2000] = result[2000][:5]
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with OUT.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows(count))
    print(f"wrote {count} rows to {OUT}")


if __name__ == "__main__":
    main()
