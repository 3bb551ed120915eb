#!/usr/bin/env python3
"""Build the demo partnership's school table from the real public data.

Reads (from ../shared/data, relative to the repository root):
  sap-sector/Establishment.json     1,924 GIAS-derived establishments
  eng-schools/england_ks4final.csv  2018/19 KS4 results, Ofsted, coordinates
  eng-schools/england_ks2final.csv  2018/19 KS2 progress, Ofsted, coordinates

Writes crates/upward/demo/schools.csv: every establishment (real schools,
real URNs), with 480 of them chosen as member schools, grouped by region
into about 30 Hubs (k-means on coordinates inside each region), and their
2018/19 performance beside the national figures.

The output is committed, so `upward demo` needs nothing outside the
repository. Run again only to change the selection:
    python3 scripts/build-demo-data.py
Deterministic: the same inputs give the same file.
"""
import csv, json, math, os, random, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "crates", "upward", "demo", "schools.csv")

# National figures for 2018/19 (DfE, state-funded schools): Progress 8,
# Attainment 8, English and maths grade 5 or above, EBacc average point
# score; KS2 progress scores are 0 nationally by construction.
NATIONAL = {"ks4_p8": -0.03, "ks4_att8": 46.7, "ks4_basics_95": 43.2, "ks4_ebacc_aps": 4.07,
            "ks2_read_prog": 0.0, "ks2_writ_prog": 0.0, "ks2_mat_prog": 0.0}

MEMBERS = 480
HUBS = 30


def osgb_to_wgs84(e, n):
    """Ordnance Survey transverse Mercator inverse + Helmert (to ~5 m)."""
    a, b = 6377563.396, 6356256.909
    F0, lat0, lon0 = 0.9996012717, math.radians(49), math.radians(-2)
    N0, E0 = -100000, 400000
    e2 = 1 - (b * b) / (a * a)
    nn = (a - b) / (a + b)
    lat, M = lat0, 0
    while True:
        lat = (n - N0 - M) / (a * F0) + lat
        Ma = (1 + nn + 5 / 4 * nn**2 + 5 / 4 * nn**3) * (lat - lat0)
        Mb = (3 * nn + 3 * nn**2 + 21 / 8 * nn**3) * math.sin(lat - lat0) * math.cos(lat + lat0)
        Mc = (15 / 8 * nn**2 + 15 / 8 * nn**3) * math.sin(2 * (lat - lat0)) * math.cos(2 * (lat + lat0))
        Md = 35 / 24 * nn**3 * math.sin(3 * (lat - lat0)) * math.cos(3 * (lat + lat0))
        M = b * F0 * (Ma - Mb + Mc - Md)
        if abs(n - N0 - M) < 0.00001:
            break
    s = math.sin(lat)
    nu = a * F0 / math.sqrt(1 - e2 * s * s)
    rho = a * F0 * (1 - e2) / (1 - e2 * s * s) ** 1.5
    eta2 = nu / rho - 1
    t = math.tan(lat)
    sec = 1 / math.cos(lat)
    VII = t / (2 * rho * nu)
    VIII = t / (24 * rho * nu**3) * (5 + 3 * t * t + eta2 - 9 * t * t * eta2)
    IX = t / (720 * rho * nu**5) * (61 + 90 * t * t + 45 * t**4)
    X = sec / nu
    XI = sec / (6 * nu**3) * (nu / rho + 2 * t * t)
    XII = sec / (120 * nu**5) * (5 + 28 * t * t + 24 * t**4)
    XIIA = sec / (5040 * nu**7) * (61 + 662 * t * t + 1320 * t**4 + 720 * t**6)
    dE = e - E0
    lat = lat - VII * dE**2 + VIII * dE**4 - IX * dE**6
    lon = lon0 + X * dE - XI * dE**3 + XII * dE**5 - XIIA * dE**7
    # OSGB36 -> WGS84 (Helmert)
    H = 0
    x = (nu / F0 + H) * math.cos(lat) * math.cos(lon)
    y = (nu / F0 + H) * math.cos(lat) * math.sin(lon)
    z = ((1 - e2) * nu / F0 + H) * math.sin(lat)
    tx, ty, tz = 446.448, -125.157, 542.060
    sc = -20.4894e-6
    rx, ry, rz = [math.radians(v / 3600) for v in (0.1502, 0.2470, 0.8421)]
    x2 = tx + (1 + sc) * x - rz * y + ry * z
    y2 = ty + rz * x + (1 + sc) * y - rx * z
    z2 = tz - ry * x + rx * y + (1 + sc) * z
    a2, b2 = 6378137.000, 6356752.3141
    e22 = 1 - (b2 * b2) / (a2 * a2)
    p = math.sqrt(x2 * x2 + y2 * y2)
    phi = math.atan2(z2, p * (1 - e22))
    for _ in range(10):
        nu2 = a2 / math.sqrt(1 - e22 * math.sin(phi) ** 2)
        phi = math.atan2(z2 + e22 * nu2 * math.sin(phi), p)
    return round(math.degrees(phi), 6), round(math.degrees(math.atan2(y2, x2)), 6)


def num(v):
    v = (v or "").strip().rstrip("%")
    try:
        return float(v)
    except ValueError:
        return None


def ofsted(v):
    v = (v or "").strip().lower()
    return {"outstanding": "Outstanding", "good": "Good", "requires improvement": "Requires improvement",
            "satisfactory": "Requires improvement", "inadequate": "Inadequate"}.get(v, "")


def isodate(v):
    v = (v or "").strip()
    return f"{v[:4]}-{v[4:6]}-{v[6:8]}" if len(v) == 8 and v.isdigit() else ""


def main():
    est = json.load(open(os.path.join(DATA, "sap-sector", "Establishment.json"), encoding="utf-8"))
    ks4 = {r["URN"]: r for r in csv.DictReader(open(os.path.join(DATA, "eng-schools", "england_ks4final.csv"), encoding="utf-8-sig"))}
    ks2 = {r["URN"]: r for r in csv.DictReader(open(os.path.join(DATA, "eng-schools", "england_ks2final.csv"), encoding="utf-8-sig"))}
    rows = []
    seen = set()
    for e in est:
        if e.get("EstablishmentStatusName") != "Open" or not e.get("Easting"):
            continue
        urn = str(e["URN"])
        lat, lon = osgb_to_wgs84(float(e["Easting"]), float(e["Northing"]))
        k = ks4.get(urn) or ks2.get(urn) or {}
        rows.append({
            "urn": urn, "name": e["EstablishmentName"], "la_name": e.get("LAName") or "",
            "type_name": e.get("TypeOfEstablishmentName") or "", "type_group": e.get("EstablishmentTypeGroupName") or "",
            "phase_name": e.get("PhaseOfEducationName") or "", "low_age": e.get("AgeRangeLow") or "", "high_age": e.get("AgeRangeHigh") or "",
            "gender": e.get("GenderName") or "", "admissions": e.get("AdmissionsPolicyName") or "",
            "religious_character": "" if e.get("ReligiousCharacterName") in (None, "Does not apply", "None") else e["ReligiousCharacterName"],
            "street": e.get("Street") or "", "locality": e.get("Locality") or "", "town": e.get("Town") or "", "county": e.get("County") or "",
            "postcode": e.get("Postcode") or "", "region": e.get("RegionName") or "", "website": e.get("Website") or "",
            "telephone": e.get("TelephoneNum") or "", "pupils": e.get("TotalPupils") or "", "capacity": e.get("TotalCapacity") or "",
            "trust_code": str(e.get("TrustId") or ""), "trust_name": e.get("TrustName") or "",
            "easting": e["Easting"], "northing": e["Northing"], "latitude": lat, "longitude": lon,
            "ofsted": ofsted(k.get("OFSTEDRATING")), "ofsted_date": isodate(k.get("INSPECTIONDT")),
            "sixth_form": "1" if e.get("OfficialSixthFormName") == "Has a sixth form" else "0",
            "open_date": "",
        })
        seen.add(urn)
    # Special schools (not in the establishment subset) from the KS4 table,
    # so the demo has special-school reviews and Lead Reviewers to match.
    region_of = {}
    for r in rows:
        region_of.setdefault(r["postcode"].split(" ")[0], r["region"])
    for urn, k in ks4.items():
        if k["RECTYPE"] != "2" or urn in seen or not k["LATITUDE"]:
            continue
        area = k["PCODE2"]
        region = region_of.get(area)
        if not region:
            continue
        rows.append({
            "urn": urn, "name": k["SCHNAME"], "la_name": "", "type_name": "Community special school" if "Maintained" in k["SCHTYPE"] else "Academy special converter",
            "type_group": "Special schools", "phase_name": "Not applicable", "low_age": "", "high_age": "",
            "gender": k["GENDER"] or "Mixed", "admissions": "Not applicable",
            "religious_character": "" if k["RELIGION"] in ("", "None", "Does not apply") else k["RELIGION"],
            "street": "", "locality": "", "town": k["TOWN"], "county": "", "postcode": k["PCODE"], "region": region,
            "website": k["WEB"], "telephone": "", "pupils": "", "capacity": "", "trust_code": "", "trust_name": "",
            "easting": "", "northing": "", "latitude": k["LATITUDE"], "longitude": k["LONGITUDE"],
            "ofsted": ofsted(k["OFSTEDRATING"]), "ofsted_date": isodate(k["INSPECTIONDT"]), "sixth_form": "0", "open_date": "",
        })
        seen.add(urn)

    # Choose the member schools: about 40% secondary, 40% primary, 10%
    # special, 10% all-through and middle, spread over the regions.
    rnd = random.Random(20261124)
    def kind(r):
        if r["type_group"] == "Special schools":
            return "special"
        return {"Secondary": "secondary", "Primary": "primary"}.get(r["phase_name"], "other")
    quota = {"secondary": 190, "primary": 190, "special": 50, "other": 50}
    by_kind = {k: [r for r in rows if kind(r) == k] for k in quota}
    members = set()
    for k, n in quota.items():
        pool = sorted(by_kind[k], key=lambda r: r["urn"])
        rnd.shuffle(pool)
        for r in pool[:n]:
            members.add(r["urn"])
    # Top up to exactly MEMBERS from anything left.
    rest = sorted((r for r in rows if r["urn"] not in members), key=lambda r: r["urn"])
    rnd.shuffle(rest)
    for r in rest[: max(0, MEMBERS - len(members))]:
        members.add(r["urn"])

    # Hubs: k-means inside each region, Hubs in proportion to its members.
    mem = [r for r in rows if r["urn"] in members]
    regions = sorted({r["region"] for r in mem})
    counts = {g: sum(1 for r in mem if r["region"] == g) for g in regions}
    alloc = {g: max(1, round(HUBS * counts[g] / len(mem))) for g in regions}
    for r in mem:
        r["hub"] = ""
    used_names = set()
    for g in regions:
        pts = sorted((r for r in mem if r["region"] == g), key=lambda r: r["urn"])
        k = min(alloc[g], len(pts))
        cents = [(float(p["latitude"]), float(p["longitude"])) for p in pts[:: max(1, len(pts) // k)][:k]]
        for _ in range(30):
            groups = [[] for _ in cents]
            for p in pts:
                la, lo = float(p["latitude"]), float(p["longitude"])
                j = min(range(len(cents)), key=lambda i: (la - cents[i][0]) ** 2 + ((lo - cents[i][1]) * 0.62) ** 2)
                groups[j].append(p)
            cents = [(sum(float(p["latitude"]) for p in gr) / len(gr), sum(float(p["longitude"]) for p in gr) / len(gr)) if gr else c
                     for gr, c in zip(groups, cents)]
        for gr in groups:
            if not gr:
                continue
            towns = {}
            for p in gr:
                t = (p["la_name"] or p["town"] or g).strip()
                towns[t] = towns.get(t, 0) + 1
            name = max(sorted(towns), key=lambda t: towns[t]) + " Hub"
            if name in used_names:
                name = name.replace(" Hub", f" and District Hub")
            used_names.add(name)
            for p in gr:
                p["hub"] = name

    # Performance (2018/19) for every school with data.
    for r in rows:
        r["member"] = "1" if r["urn"] in members else "0"
        k4 = ks4.get(r["urn"])
        k2 = ks2.get(r["urn"])
        r["ks4_p8"] = num(k4["P8MEA"]) if k4 else None
        r["ks4_att8"] = num(k4["ATT8SCR"]) if k4 else None
        r["ks4_basics_95"] = num(k4["PTL2BASICS_95"]) if k4 else None
        r["ks4_ebacc_aps"] = num(k4["EBACCAPS"]) if k4 else None
        r["ks2_read_prog"] = num(k2["READPROG"]) if k2 else None
        r["ks2_writ_prog"] = num(k2["WRITPROG"]) if k2 else None
        r["ks2_mat_prog"] = num(k2["MATPROG"]) if k2 else None
        if r["ks4_basics_95"] == 0 and r["ks4_att8"] is not None and r["ks4_att8"] > 30:
            r["ks4_basics_95"] = None  # suppressed in the source, not zero
        for m in NATIONAL:
            if r[m] is None:
                r[m] = ""

    cols = ["urn", "name", "la_name", "type_name", "type_group", "phase_name", "low_age", "high_age", "gender", "admissions",
            "religious_character", "street", "locality", "town", "county", "postcode", "region", "website", "telephone",
            "pupils", "capacity", "trust_code", "trust_name", "easting", "northing", "latitude", "longitude", "ofsted",
            "ofsted_date", "sixth_form", "open_date", "member", "hub"] + list(NATIONAL)
    rows.sort(key=lambda r: int(r["urn"]))
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get(c, "") for c in cols])
    with open(os.path.join(os.path.dirname(OUT), "national.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["year", "measure", "national"])
        for m, v in NATIONAL.items():
            w.writerow(["2018/19", m, v])
    hubs = sorted({r["hub"] for r in rows if r.get("member") == "1"})
    print(f"{len(rows)} establishments, {len(members)} members in {len(hubs)} Hubs -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
