#!/usr/bin/env python3
"""Generate the synthetic sample catalogue in data/ (centres.csv, closures.csv).

The output is committed; run this again only to change the sample on purpose.
It is deterministic (fixed seed), so a re-run without edits changes nothing.

    python3 scripts/gen-sample-data.py [--out data] [--centres 540]

Every centre, address and capacity here is invented. Districts and state
weekends follow real Malaysian geography so the sample behaves like the
real thing: Kedah, Kelantan and Terengganu rest on Friday and Saturday,
the others on Saturday and Sunday, and many vaccination centres open daily.
"""

import argparse
import csv
import os
import random

SEED = 20210526

# state name, id prefix, weekend, share of centres; its districts, each with a
# town of its name, are in sample-districts.csv.
STATES = [
    ("Johor", "JHR", "Sat;Sun", 11),
    ("Kedah", "KDH", "Fri;Sat", 6),
    ("Kelantan", "KTN", "Fri;Sat", 6),
    ("Melaka", "MLK", "Sat;Sun", 3),
    ("Negeri Sembilan", "NSN", "Sat;Sun", 4),
    ("Pahang", "PHG", "Sat;Sun", 6),
    ("Perak", "PRK", "Sat;Sun", 9),
    ("Perlis", "PLS", "Sat;Sun", 1),
    ("Pulau Pinang", "PNG", "Sat;Sun", 6),
    ("Sabah", "SBH", "Sat;Sun", 9),
    ("Sarawak", "SWK", "Sat;Sun", 10),
    ("Selangor", "SGR", "Sat;Sun", 17),
    ("Terengganu", "TRG", "Fri;Sat", 4),
    ("W.P. Kuala Lumpur", "KUL", "Sat;Sun", 7),
    ("W.P. Labuan", "LBN", "Sat;Sun", 1),
    ("W.P. Putrajaya", "PJY", "Sat;Sun", 1),
]

# City districts are small: keep their centres within a few kilometres.
CITY_STATES = {"W.P. Kuala Lumpur", "W.P. Putrajaya", "W.P. Labuan"}

VENUES = [
    ("Klinik Kesihatan {town}", 100, 400),
    ("Hospital {town}", 300, 1200),
    ("Dewan Orang Ramai {town}", 150, 600),
    ("Dewan Serbaguna Majlis Perbandaran {town}", 200, 900),
    ("Stadium Tertutup {town}", 800, 3000),
    ("Pusat Konvensyen {town}", 1000, 3000),
    ("Kolej Komuniti {town}", 150, 500),
    ("Dewan Sekolah Menengah Kebangsaan {town}", 100, 400),
    ("Pusat Pemberian Vaksin Integrasi Kompleks Sukan dan Rekreasi Komuniti {town}", 500, 2500),
    ("Masjid Jamek {town} (Dewan Serbaguna)", 100, 300),
]

TOWN_SUFFIXES = ["Utara", "Selatan", "Jaya", "Baru", "Lama"]

STREETS = ["Jalan Hospital", "Jalan Besar", "Jalan Dato' Onn", "Jalan Sultan Ismail",
           "Jalan Tun Razak", "Jalan Merdeka", "Persiaran Dewan", "Jalan Stadium",
           "Jalan Kampung Baru", "Lorong Klinik", "Jalan Masjid", "Jalan Sekolah",
           "Jalan Pasar", "Jalan Kolej", "Persiaran Sukan"]

# A dated closure for everyone (Chinese New Year falls inside the sample campaign),
# and a few one-off centre closures picked below.
NATIONAL_CLOSURES = [
    ("2028-01-26", "Tahun Baru Cina / Chinese New Year"),
    ("2028-01-27", "Tahun Baru Cina (hari kedua) / Chinese New Year (second day)"),
]
CAMPAIGN_DATES = [f"2028-01-{d:02d}" for d in range(10, 31)]


def districts_by_state():
    """Each state's districts, in the file's order (centres are spread over them
    in turn), with an invented but plausible spot (latitude, longitude) and first
    postcode, so the form can find centres by postcode and by distance."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample-districts.csv")
    places = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            places.setdefault(row["state"], {})[row["district"]] = (
                float(row["latitude"]), float(row["longitude"]), int(row["first_postcode"]))
    return places


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data")
    parser.add_argument("--centres", type=int, default=540)
    args = parser.parse_args()
    rng = random.Random(SEED)
    total_share = sum(s[3] for s in STATES)
    places = districts_by_state()

    centres = []
    used = set()
    for state, prefix, weekend, share in STATES:
        districts = list(places[state])
        count = max(3, round(args.centres * share / total_share))
        for n in range(1, count + 1):
            district = districts[(n - 1) % len(districts)]
            venue, lo, hi = rng.choice(VENUES)
            town = district if rng.random() < 0.6 else f"{district} {rng.choice(TOWN_SUFFIXES)}"
            name = venue.format(town=town)
            # Two centres of one name in one district get identical SMS and
            # are refused by the catalogue: take the next free town name,
            # without drawing, so every other centre stays as it was.
            for suffix in [""] + TOWN_SUFFIXES + [str(k) for k in range(2, 100)]:
                town = f"{district} {suffix}".strip() if suffix else town
                name = venue.format(town=town)
                if (state, district, name.casefold()) not in used:
                    break
            used.add((state, district, name.casefold()))
            capacity = rng.randrange(lo, hi + 1, 10)
            # Roughly half the centres open every day; the rest rest on the
            # state's weekend or on its second day only.
            roll = rng.random()
            closed = "" if roll < 0.5 else (weekend if roll < 0.85 else weekend.split(";")[1])
            rng.randrange(10000, 99999)  # the old random postcode: drawn still, so later draws stay as they were
            centre_id = f"{prefix}-{n:04d}"
            # A generator of its own per centre, so places never shift other draws.
            place = random.Random(f"{SEED}:{centre_id}")
            lat, lon, first_postcode = places[state][district]
            spread = 0.01 if state in CITY_STATES else 0.04
            latitude = f"{lat + place.uniform(-spread, spread):.4f}"
            longitude = f"{lon + place.uniform(-spread, spread):.4f}"
            postcode = f"{first_postcode + place.randrange(0, 60, 10):05d}"
            address = f"{rng.randrange(1, 250)}, {rng.choice(STREETS)}, {postcode} {town}, {state}"
            centres.append((centre_id, state, district, name, address, capacity, closed,
                            postcode, latitude, longitude))

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "centres.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "state", "district", "name", "address", "daily_capacity", "closed_weekdays",
                    "postcode", "latitude", "longitude"])
        w.writerows(centres)

    closures = [("*", d, reason) for d, reason in NATIONAL_CLOSURES]
    for centre in rng.sample(centres, 12):
        date = rng.choice(CAMPAIGN_DATES)
        if date not in dict(NATIONAL_CLOSURES):
            closures.append((centre[0], date, rng.choice(
                ["Penyelenggaraan dewan / Hall maintenance", "Banjir / Flooding",
                 "Acara rasmi / Official event"])))
    closures.sort(key=lambda c: (c[1], c[0]))
    with open(os.path.join(args.out, "closures.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["centre_id", "date", "reason"])
        w.writerows(closures)
    print(f"wrote {len(centres)} centres and {len(closures)} closures to {args.out}/")


if __name__ == "__main__":
    main()
