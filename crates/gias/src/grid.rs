//! British National Grid (OSGB36 easting/northing) to WGS84 latitude/longitude.
//!
//! GIAS gives each establishment's position as an `Easting` and `Northing` in
//! metres on the Ordnance Survey National Grid (EPSG:27700). Maps and distance
//! calculations want WGS84 latitude and longitude, so the importer converts.
//!
//! The method is the one in the Ordnance Survey's *A guide to coordinate
//! systems in Great Britain*:
//!
//! 1. the inverse transverse Mercator projection on the Airy 1830 ellipsoid
//!    (OSGB36 latitude and longitude), iterated to 0.01 mm;
//! 2. conversion to Cartesian coordinates, the published seven-parameter
//!    Helmert transformation from OSGB36 to WGS84, and back to latitude and
//!    longitude on the GRS80/WGS84 ellipsoid.
//!
//! The Helmert step is a single national fit, accurate to about 5 m across
//! Great Britain (the OS's OSTN15 grid is accurate to about 0.1 m but is a
//! 15 MB table). Five metres is far finer than anything the partnership does
//! with a school's position (maps, travel distances, "schools near me"). The
//! tests compare against OSTN15 values at points across England.

/// Airy 1830 ellipsoid (OSGB36): semi-major and semi-minor axes in metres.
const AIRY_A: f64 = 6_377_563.396;
const AIRY_B: f64 = 6_356_256.909;
/// GRS80 / WGS84 ellipsoid.
const WGS84_A: f64 = 6_378_137.0;
const WGS84_B: f64 = 6_356_752.314_140;

/// National Grid projection constants.
const F0: f64 = 0.999_601_271_7;
const LAT0_DEG: f64 = 49.0;
const LON0_DEG: f64 = -2.0;
const E0: f64 = 400_000.0;
const N0: f64 = -100_000.0;

/// Helmert OSGB36 → WGS84: translations in metres, rotations in arc seconds,
/// scale in parts per million.
const TX: f64 = 446.448;
const TY: f64 = -125.157;
const TZ: f64 = 542.060;
const RX_SEC: f64 = 0.1502;
const RY_SEC: f64 = 0.2470;
const RZ_SEC: f64 = 0.8421;
const S_PPM: f64 = -20.4894;

/// Latitude and longitude in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub latitude: f64,
    pub longitude: f64,
}

/// OSGB36 latitude/longitude (degrees) of a National Grid position.
///
/// This is the OS "Annex C" inverse projection; the result is on the Airy
/// ellipsoid, not WGS84. Use [`to_wgs84`] for map coordinates.
pub fn to_osgb36_latlon(easting: f64, northing: f64) -> LatLon {
    let (a, b) = (AIRY_A, AIRY_B);
    let e2 = (a * a - b * b) / (a * a);
    let n = (a - b) / (a + b);
    let (n2, n3) = (n * n, n * n * n);
    let lat0 = LAT0_DEG.to_radians();
    let lon0 = LON0_DEG.to_radians();

    // Meridional arc from the true origin to latitude `lat`.
    let meridional_arc = |lat: f64| {
        let d = lat - lat0;
        let s = lat + lat0;
        b * F0
            * ((1.0 + n + 1.25 * n2 + 1.25 * n3) * d - (3.0 * n + 3.0 * n2 + 21.0 / 8.0 * n3) * d.sin() * s.cos()
                + (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * (2.0 * d).sin() * (2.0 * s).cos()
                - 35.0 / 24.0 * n3 * (3.0 * d).sin() * (3.0 * s).cos())
    };

    let mut lat = (northing - N0) / (a * F0) + lat0;
    let mut m = meridional_arc(lat);
    // Converges in a handful of steps for any point near the grid; the bound
    // only guards against non-finite input.
    for _ in 0..100 {
        let residual = northing - N0 - m;
        if residual.abs() < 1e-5 {
            break;
        }
        lat += residual / (a * F0);
        m = meridional_arc(lat);
    }

    let sin_lat = lat.sin();
    let nu = a * F0 / (1.0 - e2 * sin_lat * sin_lat).sqrt();
    let rho = a * F0 * (1.0 - e2) / (1.0 - e2 * sin_lat * sin_lat).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let t = lat.tan();
    let (t2, t4, t6) = (t * t, t.powi(4), t.powi(6));
    let sec = 1.0 / lat.cos();

    let vii = t / (2.0 * rho * nu);
    let viii = t / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * t2 + eta2 - 9.0 * t2 * eta2);
    let ix = t / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * t2 + 45.0 * t4);
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * t2);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * t2 + 24.0 * t4);
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * t2 + 1320.0 * t4 + 720.0 * t6);

    let de = easting - E0;
    let latitude = lat - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let longitude = lon0 + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);
    LatLon { latitude: latitude.to_degrees(), longitude: longitude.to_degrees() }
}

/// WGS84 latitude/longitude (degrees) of a National Grid position, to about
/// 5 m (see the module documentation).
pub fn to_wgs84(easting: f64, northing: f64) -> LatLon {
    let osgb = to_osgb36_latlon(easting, northing);

    // OSGB36 geodetic → Cartesian (height 0 on the Airy ellipsoid).
    let (lat, lon) = (osgb.latitude.to_radians(), osgb.longitude.to_radians());
    let e2 = 1.0 - (AIRY_B * AIRY_B) / (AIRY_A * AIRY_A);
    let nu = AIRY_A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    let x = nu * lat.cos() * lon.cos();
    let y = nu * lat.cos() * lon.sin();
    let z = (1.0 - e2) * nu * lat.sin();

    // Helmert transformation (small-angle form, as published by the OS).
    let sec_to_rad = |s: f64| (s / 3600.0).to_radians();
    let (rx, ry, rz) = (sec_to_rad(RX_SEC), sec_to_rad(RY_SEC), sec_to_rad(RZ_SEC));
    let s1 = 1.0 + S_PPM * 1e-6;
    let x2 = TX + s1 * x - rz * y + ry * z;
    let y2 = TY + rz * x + s1 * y - rx * z;
    let z2 = TZ - ry * x + rx * y + s1 * z;

    // Cartesian → WGS84 geodetic.
    let e2w = 1.0 - (WGS84_B * WGS84_B) / (WGS84_A * WGS84_A);
    let p = (x2 * x2 + y2 * y2).sqrt();
    let mut lat_w = z2.atan2(p * (1.0 - e2w));
    for _ in 0..100 {
        let nu_w = WGS84_A / (1.0 - e2w * lat_w.sin().powi(2)).sqrt();
        let next = (z2 + e2w * nu_w * lat_w.sin()).atan2(p);
        let done = (next - lat_w).abs() < 1e-12;
        lat_w = next;
        if done {
            break;
        }
    }
    let lon_w = y2.atan2(x2);
    LatLon { latitude: lat_w.to_degrees(), longitude: lon_w.to_degrees() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Approximate ground distance in metres between two nearby points.
    fn metres(a: LatLon, b: LatLon) -> f64 {
        let dlat = (a.latitude - b.latitude).to_radians() * 6_371_000.0;
        let dlon = (a.longitude - b.longitude).to_radians() * 6_371_000.0 * a.latitude.to_radians().cos();
        (dlat * dlat + dlon * dlon).sqrt()
    }

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        d + m / 60.0 + s / 3600.0
    }

    #[test]
    fn ordnance_survey_worked_example_osgb36() {
        // OS "A guide to coordinate systems in Great Britain", Annex C worked
        // example: E 651409.903, N 313177.270 is 52°39'27.2531"N,
        // 1°43'4.5177"E on OSGB36.
        let p = to_osgb36_latlon(651_409.903, 313_177.270);
        let want = LatLon { latitude: dms(52.0, 39.0, 27.2531), longitude: dms(1.0, 43.0, 4.5177) };
        assert!((p.latitude - want.latitude).abs() < 1e-7, "{p:?}");
        assert!((p.longitude - want.longitude).abs() < 1e-7, "{p:?}");
    }

    #[test]
    fn within_five_metres_of_ostn15_across_england() {
        // Reference values: OS OSTN15 transformation (ETRS89, which agrees
        // with WGS84 to well under a metre here), computed with the
        // `convertbng` 2.0.0 package.
        let cases: &[(f64, f64, f64, f64)] = &[
            (533_498.0, 181_201.0, 51.513_970_3, -0.077_504_6), // URN 100000, Aldgate
            (651_409.903, 313_177.270, 52.658_006_2, 1.716_075_3), // OS worked example, Norfolk
            (147_000.0, 30_000.0, 50.116_035_1, -5.540_431_9),  // Penzance
            (425_000.0, 564_000.0, 54.970_004_8, -1.611_029_2), // Newcastle
            (623_000.0, 308_500.0, 52.628_444_1, 1.293_636_4),  // Norwich
            (340_000.0, 556_000.0, 54.895_120_6, -2.937_040_8), // Carlisle
            (632_000.0, 141_500.0, 51.125_778_1, 1.314_192_9),  // Dover
            (370_000.0, 103_000.0, 50.825_746_1, -2.427_297_7), // Dorset
            (530_000.0, 180_500.0, 51.508_485_6, -0.128_144_7), // Charing Cross
            (287_000.0, 90_000.0, 50.698_620_2, -3.601_414_7),  // Devon
            (440_000.0, 520_000.0, 54.573_652_6, -1.382_777_1), // Teesside
            (333_000.0, 404_000.0, 53.528_385_1, -3.012_191_1), // Merseyside
        ];
        for &(e, n, lat, lon) in cases {
            let got = to_wgs84(e, n);
            let d = metres(got, LatLon { latitude: lat, longitude: lon });
            assert!(d < 5.0, "E {e} N {n}: {got:?} is {d:.2} m from OSTN15 ({lat}, {lon})");
        }
    }
}
