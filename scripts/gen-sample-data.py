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

# Each state: its name, id prefix, weekend and share of the centres, then its
# districts (each with a town of its name) in the order centres are spread over
# them, each at an invented but plausible spot (latitude, longitude) with its
# first postcode, so the form can find centres by postcode and by distance.
STATES = [
    ("Johor", "JHR", "Sat;Sun", 11, {
        "Johor Bahru": (1.49, 103.74, 80000), "Batu Pahat": (1.85, 102.93, 83000),
        "Kluang": (2.03, 103.32, 86000), "Kulai": (1.66, 103.60, 81000), "Muar": (2.04, 102.57, 84000),
        "Kota Tinggi": (1.73, 103.90, 81900), "Segamat": (2.51, 102.82, 85000),
        "Pontian": (1.49, 103.39, 82000), "Mersing": (2.43, 103.84, 86800), "Tangkak": (2.27, 102.55, 84900),
    }),
    ("Kedah", "KDH", "Fri;Sat", 6, {
        "Kota Setar": (6.12, 100.37, 5000), "Kuala Muda": (5.65, 100.49, 8000),
        "Kulim": (5.37, 100.56, 9000), "Kubang Pasu": (6.42, 100.43, 6000), "Baling": (5.68, 100.92, 9100),
        "Langkawi": (6.33, 99.84, 7000), "Yan": (5.80, 100.38, 6900), "Pendang": (5.99, 100.48, 6700),
        "Padang Terap": (6.26, 100.62, 6300), "Sik": (5.81, 100.73, 8200),
    }),
    ("Kelantan", "KTN", "Fri;Sat", 6, {
        "Kota Bharu": (6.13, 102.24, 15000), "Pasir Mas": (6.05, 102.14, 17000),
        "Tumpat": (6.20, 102.17, 16200), "Tanah Merah": (5.80, 102.15, 17500),
        "Machang": (5.76, 102.22, 18500), "Kuala Krai": (5.53, 102.20, 18000),
        "Gua Musang": (4.88, 101.97, 18300), "Bachok": (6.07, 102.40, 16300),
        "Pasir Puteh": (5.84, 102.40, 16800), "Jeli": (5.70, 101.84, 17600),
    }),
    ("Melaka", "MLK", "Sat;Sun", 3, {
        "Melaka Tengah": (2.20, 102.25, 75000), "Alor Gajah": (2.38, 102.21, 78000),
        "Jasin": (2.31, 102.43, 77000),
    }),
    ("Negeri Sembilan", "NSN", "Sat;Sun", 4, {
        "Seremban": (2.73, 101.94, 70000), "Port Dickson": (2.52, 101.80, 71000),
        "Jempol": (2.72, 102.39, 72100), "Tampin": (2.47, 102.23, 73000),
        "Kuala Pilah": (2.74, 102.25, 72000), "Rembau": (2.59, 102.09, 71300),
        "Jelebu": (3.04, 102.07, 71600),
    }),
    ("Pahang", "PHG", "Sat;Sun", 6, {
        "Kuantan": (3.81, 103.33, 25000), "Temerloh": (3.45, 102.42, 28000),
        "Bentong": (3.52, 101.91, 28700), "Maran": (3.59, 102.77, 26500), "Rompin": (2.80, 103.49, 26800),
        "Pekan": (3.49, 103.39, 26600), "Jerantut": (3.94, 102.36, 27000), "Raub": (3.79, 101.86, 27600),
        "Lipis": (4.18, 102.05, 27200), "Cameron Highlands": (4.47, 101.38, 39000),
        "Bera": (3.23, 102.56, 28200),
    }),
    ("Perak", "PRK", "Sat;Sun", 9, {
        "Kinta": (4.60, 101.09, 30000), "Larut, Matang dan Selama": (4.85, 100.74, 34000),
        "Manjung": (4.21, 100.66, 32000), "Hilir Perak": (4.02, 101.02, 36000),
        "Kerian": (5.02, 100.53, 34200), "Batang Padang": (4.05, 101.28, 35000),
        "Kuala Kangsar": (4.77, 100.94, 33000), "Perak Tengah": (4.35, 100.95, 32600),
        "Hulu Perak": (5.45, 101.13, 33300), "Kampar": (4.31, 101.15, 31900),
        "Muallim": (3.83, 101.53, 35900), "Bagan Datuk": (3.99, 100.79, 36100),
    }),
    ("Perlis", "PLS", "Sat;Sun", 1, {
        "Kangar": (6.44, 100.20, 1000), "Arau": (6.43, 100.27, 2600), "Padang Besar": (6.66, 100.32, 2100),
    }),
    ("Pulau Pinang", "PNG", "Sat;Sun", 6, {
        "Timur Laut": (5.41, 100.33, 10000), "Barat Daya": (5.33, 100.22, 11900),
        "Seberang Perai Utara": (5.45, 100.42, 13200), "Seberang Perai Tengah": (5.36, 100.46, 14000),
        "Seberang Perai Selatan": (5.20, 100.49, 14300),
    }),
    ("Sabah", "SBH", "Sat;Sun", 9, {
        "Kota Kinabalu": (5.98, 116.07, 88000), "Sandakan": (5.84, 118.12, 90000),
        "Tawau": (4.25, 117.89, 91000), "Penampang": (5.92, 116.11, 89500),
        "Lahad Datu": (5.03, 118.34, 91100), "Keningau": (5.34, 116.16, 89000),
        "Semporna": (4.48, 118.61, 91300), "Papar": (5.73, 115.93, 89600), "Kudat": (6.88, 116.85, 89050),
        "Beaufort": (5.35, 115.75, 89800), "Ranau": (5.95, 116.66, 89300),
        "Kota Belud": (6.35, 116.43, 89150), "Tuaran": (6.18, 116.23, 89200),
        "Kinabatangan": (5.50, 117.85, 90200),
    }),
    ("Sarawak", "SWK", "Sat;Sun", 10, {
        "Kuching": (1.55, 110.35, 93000), "Miri": (4.40, 113.99, 98000), "Sibu": (2.29, 111.83, 96000),
        "Bintulu": (3.17, 113.04, 97000), "Serian": (1.17, 110.57, 94700),
        "Samarahan": (1.46, 110.49, 94300), "Sri Aman": (1.24, 111.46, 95000),
        "Kapit": (2.01, 112.93, 96800), "Mukah": (2.90, 112.09, 96400), "Limbang": (4.75, 115.01, 98700),
        "Betong": (1.41, 111.53, 95700), "Sarikei": (2.13, 111.52, 96100),
    }),
    ("Selangor", "SGR", "Sat;Sun", 17, {
        "Petaling": (3.11, 101.60, 46000), "Hulu Langat": (3.07, 101.79, 43000),
        "Klang": (3.04, 101.45, 41000), "Gombak": (3.25, 101.65, 68100), "Sepang": (2.83, 101.70, 43900),
        "Kuala Langat": (2.83, 101.50, 42700), "Hulu Selangor": (3.56, 101.65, 44000),
        "Kuala Selangor": (3.34, 101.25, 45000), "Sabak Bernam": (3.77, 100.99, 45200),
    }),
    ("Terengganu", "TRG", "Fri;Sat", 4, {
        "Kuala Terengganu": (5.33, 103.14, 20000), "Kemaman": (4.23, 103.42, 24000),
        "Dungun": (4.76, 103.41, 23000), "Besut": (5.73, 102.56, 22200), "Marang": (5.21, 103.21, 21600),
        "Hulu Terengganu": (5.08, 102.93, 21700), "Setiu": (5.52, 102.73, 22100),
        "Kuala Nerus": (5.39, 103.08, 21300),
    }),
    ("W.P. Kuala Lumpur", "KUL", "Sat;Sun", 7, {
        "Kepong": (3.21, 101.64, 52100), "Batu": (3.20, 101.68, 51200), "Wangsa Maju": (3.20, 101.74, 53300),
        "Segambut": (3.18, 101.66, 51200), "Setiawangsa": (3.18, 101.74, 54200),
        "Titiwangsa": (3.17, 101.70, 53200), "Bukit Bintang": (3.15, 101.71, 55100),
        "Lembah Pantai": (3.12, 101.67, 59200), "Seputeh": (3.11, 101.68, 58000),
        "Cheras": (3.09, 101.74, 56000), "Bandar Tun Razak": (3.07, 101.72, 56000),
    }),
    ("W.P. Labuan", "LBN", "Sat;Sun", 1, {
        "Labuan": (5.28, 115.24, 87000),
    }),
    ("W.P. Putrajaya", "PJY", "Sat;Sun", 1, {
        "Putrajaya": (2.93, 101.69, 62000),
    }),
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data")
    parser.add_argument("--centres", type=int, default=540)
    args = parser.parse_args()
    rng = random.Random(SEED)
    total_share = sum(s[3] for s in STATES)

    centres = []
    used = set()
    for state, prefix, weekend, share, places in STATES:
        districts = list(places)
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
            lat, lon, first_postcode = places[district]
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
