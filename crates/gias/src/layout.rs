//! The columns of the GIAS all-establishments extract, and which of them the
//! importer reads.
//!
//! Columns are always found by their header name, never by position: GIAS
//! adds and drops columns between years (139 in 2021, 135 in 2025).

/// The 2021 layout (139 columns), as in the May 2021 extract.
pub const COLUMNS_2021: [&str; 139] = [
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentNumber",
    "EstablishmentName",
    "TypeOfEstablishment (code)",
    "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (code)",
    "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (code)",
    "EstablishmentStatus (name)",
    "ReasonEstablishmentOpened (code)",
    "ReasonEstablishmentOpened (name)",
    "OpenDate",
    "ReasonEstablishmentClosed (code)",
    "ReasonEstablishmentClosed (name)",
    "CloseDate",
    "PhaseOfEducation (code)",
    "PhaseOfEducation (name)",
    "StatutoryLowAge",
    "StatutoryHighAge",
    "Boarders (code)",
    "Boarders (name)",
    "NurseryProvision (name)",
    "OfficialSixthForm (code)",
    "OfficialSixthForm (name)",
    "Gender (code)",
    "Gender (name)",
    "ReligiousCharacter (code)",
    "ReligiousCharacter (name)",
    "ReligiousEthos (name)",
    "Diocese (code)",
    "Diocese (name)",
    "AdmissionsPolicy (code)",
    "AdmissionsPolicy (name)",
    "SchoolCapacity",
    "SpecialClasses (code)",
    "SpecialClasses (name)",
    "CensusDate",
    "NumberOfPupils",
    "NumberOfBoys",
    "NumberOfGirls",
    "PercentageFSM",
    "TrustSchoolFlag (code)",
    "TrustSchoolFlag (name)",
    "Trusts (code)",
    "Trusts (name)",
    "SchoolSponsorFlag (name)",
    "SchoolSponsors (name)",
    "FederationFlag (name)",
    "Federations (code)",
    "Federations (name)",
    "UKPRN",
    "FEHEIdentifier",
    "FurtherEducationType (name)",
    "OfstedLastInsp",
    "OfstedSpecialMeasures (code)",
    "OfstedSpecialMeasures (name)",
    "LastChangedDate",
    "Street",
    "Locality",
    "Address3",
    "Town",
    "County (name)",
    "Postcode",
    "SchoolWebsite",
    "TelephoneNum",
    "HeadTitle (name)",
    "HeadFirstName",
    "HeadLastName",
    "HeadPreferredJobTitle",
    "BSOInspectorateName (name)",
    "InspectorateReport",
    "DateOfLastInspectionVisit",
    "NextInspectionVisit",
    "TeenMoth (name)",
    "TeenMothPlaces",
    "CCF (name)",
    "SENPRU (name)",
    "EBD (name)",
    "PlacesPRU",
    "FTProv (name)",
    "EdByOther (name)",
    "Section41Approved (name)",
    "SEN1 (name)",
    "SEN2 (name)",
    "SEN3 (name)",
    "SEN4 (name)",
    "SEN5 (name)",
    "SEN6 (name)",
    "SEN7 (name)",
    "SEN8 (name)",
    "SEN9 (name)",
    "SEN10 (name)",
    "SEN11 (name)",
    "SEN12 (name)",
    "SEN13 (name)",
    "TypeOfResourcedProvision (name)",
    "ResourcedProvisionOnRoll",
    "ResourcedProvisionCapacity",
    "SenUnitOnRoll",
    "SenUnitCapacity",
    "GOR (code)",
    "GOR (name)",
    "DistrictAdministrative (code)",
    "DistrictAdministrative (name)",
    "AdministrativeWard (code)",
    "AdministrativeWard (name)",
    "ParliamentaryConstituency (code)",
    "ParliamentaryConstituency (name)",
    "UrbanRural (code)",
    "UrbanRural (name)",
    "GSSLACode (name)",
    "Easting",
    "Northing",
    "CensusAreaStatisticWard (name)",
    "MSOA (name)",
    "LSOA (name)",
    "InspectorateName (name)",
    "SENStat",
    "SENNoStat",
    "BoardingEstablishment (name)",
    "PropsName",
    "PreviousLA (code)",
    "PreviousLA (name)",
    "PreviousEstablishmentNumber",
    "OfstedRating (name)",
    "RSCRegion (name)",
    "Country (name)",
    "UPRN",
    "SiteName",
    "QABName (code)",
    "QABName (name)",
    "EstablishmentAccredited (code)",
    "EstablishmentAccredited (name)",
    "QABReport",
    "CHNumber",
    "MSOA (code)",
    "LSOA (code)",
];

/// The 2025 layout (135 columns), in file order: the 2021 layout without
/// `OfstedLastInsp`, `OfstedSpecialMeasures (code)`, `OfstedSpecialMeasures
/// (name)`, `CensusAreaStatisticWard (name)`, `OfstedRating (name)` and
/// `RSCRegion (name)`, with `FSM` and `AccreditationExpiryDate` at the end.
pub const COLUMNS_2025: [&str; 135] = [
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentNumber",
    "EstablishmentName",
    "TypeOfEstablishment (code)",
    "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (code)",
    "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (code)",
    "EstablishmentStatus (name)",
    "ReasonEstablishmentOpened (code)",
    "ReasonEstablishmentOpened (name)",
    "OpenDate",
    "ReasonEstablishmentClosed (code)",
    "ReasonEstablishmentClosed (name)",
    "CloseDate",
    "PhaseOfEducation (code)",
    "PhaseOfEducation (name)",
    "StatutoryLowAge",
    "StatutoryHighAge",
    "Boarders (code)",
    "Boarders (name)",
    "NurseryProvision (name)",
    "OfficialSixthForm (code)",
    "OfficialSixthForm (name)",
    "Gender (code)",
    "Gender (name)",
    "ReligiousCharacter (code)",
    "ReligiousCharacter (name)",
    "ReligiousEthos (name)",
    "Diocese (code)",
    "Diocese (name)",
    "AdmissionsPolicy (code)",
    "AdmissionsPolicy (name)",
    "SchoolCapacity",
    "SpecialClasses (code)",
    "SpecialClasses (name)",
    "CensusDate",
    "NumberOfPupils",
    "NumberOfBoys",
    "NumberOfGirls",
    "PercentageFSM",
    "TrustSchoolFlag (code)",
    "TrustSchoolFlag (name)",
    "Trusts (code)",
    "Trusts (name)",
    "SchoolSponsorFlag (name)",
    "SchoolSponsors (name)",
    "FederationFlag (name)",
    "Federations (code)",
    "Federations (name)",
    "UKPRN",
    "FEHEIdentifier",
    "FurtherEducationType (name)",
    "LastChangedDate",
    "Street",
    "Locality",
    "Address3",
    "Town",
    "County (name)",
    "Postcode",
    "SchoolWebsite",
    "TelephoneNum",
    "HeadTitle (name)",
    "HeadFirstName",
    "HeadLastName",
    "HeadPreferredJobTitle",
    "BSOInspectorateName (name)",
    "InspectorateReport",
    "DateOfLastInspectionVisit",
    "NextInspectionVisit",
    "TeenMoth (name)",
    "TeenMothPlaces",
    "CCF (name)",
    "SENPRU (name)",
    "EBD (name)",
    "PlacesPRU",
    "FTProv (name)",
    "EdByOther (name)",
    "Section41Approved (name)",
    "SEN1 (name)",
    "SEN2 (name)",
    "SEN3 (name)",
    "SEN4 (name)",
    "SEN5 (name)",
    "SEN6 (name)",
    "SEN7 (name)",
    "SEN8 (name)",
    "SEN9 (name)",
    "SEN10 (name)",
    "SEN11 (name)",
    "SEN12 (name)",
    "SEN13 (name)",
    "TypeOfResourcedProvision (name)",
    "ResourcedProvisionOnRoll",
    "ResourcedProvisionCapacity",
    "SenUnitOnRoll",
    "SenUnitCapacity",
    "GOR (code)",
    "GOR (name)",
    "DistrictAdministrative (code)",
    "DistrictAdministrative (name)",
    "AdministrativeWard (code)",
    "AdministrativeWard (name)",
    "ParliamentaryConstituency (code)",
    "ParliamentaryConstituency (name)",
    "UrbanRural (code)",
    "UrbanRural (name)",
    "GSSLACode (name)",
    "Easting",
    "Northing",
    "MSOA (name)",
    "LSOA (name)",
    "InspectorateName (name)",
    "SENStat",
    "SENNoStat",
    "BoardingEstablishment (name)",
    "PropsName",
    "PreviousLA (code)",
    "PreviousLA (name)",
    "PreviousEstablishmentNumber",
    "Country (name)",
    "UPRN",
    "SiteName",
    "QABName (code)",
    "QABName (name)",
    "EstablishmentAccredited (code)",
    "EstablishmentAccredited (name)",
    "QABReport",
    "CHNumber",
    "MSOA (code)",
    "LSOA (code)",
    "FSM",
    "AccreditationExpiryDate",
];

/// Header names of the columns the importer reads.
pub mod col {
    pub const URN: &str = "URN";
    pub const NAME: &str = "EstablishmentName";
    pub const TYPE: &str = "TypeOfEstablishment (name)";
    pub const TYPE_GROUP: &str = "EstablishmentTypeGroup (name)";
    pub const STATUS: &str = "EstablishmentStatus (name)";
    pub const PHASE: &str = "PhaseOfEducation (name)";
    pub const GENDER: &str = "Gender (name)";
    pub const ADMISSIONS: &str = "AdmissionsPolicy (name)";
    pub const POSTCODE: &str = "Postcode";

    pub const LA: &str = "LA (name)";
    pub const OPEN_DATE: &str = "OpenDate";
    pub const CLOSE_DATE: &str = "CloseDate";
    pub const LOW_AGE: &str = "StatutoryLowAge";
    pub const HIGH_AGE: &str = "StatutoryHighAge";
    pub const SIXTH_FORM: &str = "OfficialSixthForm (name)";
    pub const RELIGIOUS_CHARACTER: &str = "ReligiousCharacter (name)";
    pub const CAPACITY: &str = "SchoolCapacity";
    pub const PUPILS: &str = "NumberOfPupils";
    pub const FSM_PCT: &str = "PercentageFSM";
    pub const TRUST_CODE: &str = "Trusts (code)";
    pub const TRUST_NAME: &str = "Trusts (name)";
    pub const STREET: &str = "Street";
    pub const LOCALITY: &str = "Locality";
    pub const TOWN: &str = "Town";
    pub const COUNTY: &str = "County (name)";
    pub const WEBSITE: &str = "SchoolWebsite";
    pub const TELEPHONE: &str = "TelephoneNum";
    pub const REGION: &str = "GOR (name)";
    pub const EASTING: &str = "Easting";
    pub const NORTHING: &str = "Northing";
    pub const OFSTED_RATING: &str = "OfstedRating (name)";
    pub const OFSTED_DATE: &str = "OfstedLastInsp";
}

/// Columns a file must have. These identify a school and give the
/// vocabulary the directory filters on; every GIAS all-establishments layout
/// since at least 2021 has them. A file without one of them is refused.
pub const REQUIRED_COLUMNS: &[&str] = &[
    col::URN,
    col::NAME,
    col::TYPE,
    col::TYPE_GROUP,
    col::STATUS,
    col::PHASE,
    col::GENDER,
    col::ADMISSIONS,
    col::POSTCODE,
];

/// Columns read when present. When one is missing, the fields it feeds are
/// not *provided* by the file (see [`Field`] and
/// [`Layout::fields`](crate::Layout::fields)): an import leaves those fields
/// of existing schools as they are rather than blanking them. The 2021 and
/// 2025 layouts have all of these except `OfstedRating (name)` and
/// `OfstedLastInsp`, which GIAS dropped in 2025.
pub const OPTIONAL_COLUMNS: &[&str] = &[
    col::LA,
    col::OPEN_DATE,
    col::CLOSE_DATE,
    col::LOW_AGE,
    col::HIGH_AGE,
    col::SIXTH_FORM,
    col::RELIGIOUS_CHARACTER,
    col::CAPACITY,
    col::PUPILS,
    col::FSM_PCT,
    col::TRUST_CODE,
    col::TRUST_NAME,
    col::STREET,
    col::LOCALITY,
    col::TOWN,
    col::COUNTY,
    col::WEBSITE,
    col::TELEPHONE,
    col::REGION,
    col::EASTING,
    col::NORTHING,
    col::OFSTED_RATING,
    col::OFSTED_DATE,
];

macro_rules! fields {
    ($($variant:ident => $name:literal, [$($col:expr),+];)+) => {
        /// A field of [`SchoolData`](upward_domain::school::SchoolData) that
        /// comes from the extract, with the column(s) it is read from. The
        /// URN is the key and is not a `Field`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Field { $($variant),+ }

        impl Field {
            /// Every field, in `SchoolData` order.
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// The `SchoolData` field name (snake case), for audit trails.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),+ }
            }

            /// The GIAS column(s) the field is read from; the field is
            /// provided by a file only if all of them are present.
            pub fn columns(self) -> &'static [&'static str] {
                match self { $(Field::$variant => &[$($col),+]),+ }
            }
        }
    };
}

fields! {
    Name => "name", [col::NAME];
    LaName => "la_name", [col::LA];
    TypeName => "type_name", [col::TYPE];
    TypeGroup => "type_group", [col::TYPE_GROUP];
    Status => "status", [col::STATUS];
    Phase => "phase", [col::PHASE, col::TYPE];
    LowAge => "low_age", [col::LOW_AGE];
    HighAge => "high_age", [col::HIGH_AGE];
    Gender => "gender", [col::GENDER];
    Admissions => "admissions", [col::ADMISSIONS];
    ReligiousCharacter => "religious_character", [col::RELIGIOUS_CHARACTER];
    Street => "street", [col::STREET];
    Locality => "locality", [col::LOCALITY];
    Town => "town", [col::TOWN];
    County => "county", [col::COUNTY];
    Postcode => "postcode", [col::POSTCODE];
    Region => "region", [col::REGION];
    Website => "website", [col::WEBSITE];
    Telephone => "telephone", [col::TELEPHONE];
    Pupils => "pupils", [col::PUPILS];
    Capacity => "capacity", [col::CAPACITY];
    FsmPct => "fsm_pct", [col::FSM_PCT];
    TrustCode => "trust_code", [col::TRUST_CODE];
    TrustName => "trust_name", [col::TRUST_NAME];
    Easting => "easting", [col::EASTING, col::NORTHING];
    Northing => "northing", [col::EASTING, col::NORTHING];
    Latitude => "latitude", [col::EASTING, col::NORTHING];
    Longitude => "longitude", [col::EASTING, col::NORTHING];
    OfstedGrade => "ofsted_grade", [col::OFSTED_RATING];
    OfstedDate => "ofsted_date", [col::OFSTED_DATE];
    OpenDate => "open_date", [col::OPEN_DATE];
    CloseDate => "close_date", [col::CLOSE_DATE];
    SixthForm => "sixth_form", [col::SIXTH_FORM];
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_2025_is_2021_minus_ofsted_and_plus_fsm() {
        let dropped = [
            "OfstedLastInsp",
            "OfstedSpecialMeasures (code)",
            "OfstedSpecialMeasures (name)",
            "CensusAreaStatisticWard (name)",
            "OfstedRating (name)",
            "RSCRegion (name)",
        ];
        let mut derived: Vec<&str> = COLUMNS_2021.iter().copied().filter(|c| !dropped.contains(c)).collect();
        derived.extend(["FSM", "AccreditationExpiryDate"]);
        assert_eq!(derived, COLUMNS_2025.to_vec());
    }

    #[test]
    fn every_read_column_is_in_the_2021_layout_and_all_but_ofsted_in_2025() {
        for c in REQUIRED_COLUMNS.iter().chain(OPTIONAL_COLUMNS) {
            assert!(COLUMNS_2021.contains(c), "{c}");
            let ofsted = *c == col::OFSTED_RATING || *c == col::OFSTED_DATE;
            assert_eq!(COLUMNS_2025.contains(c), !ofsted, "{c}");
        }
        for f in Field::ALL {
            for c in f.columns() {
                assert!(REQUIRED_COLUMNS.contains(c) || OPTIONAL_COLUMNS.contains(c), "{c}");
            }
        }
    }
}
