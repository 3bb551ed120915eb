//! What the partnership knows about a school, in domain terms.
//!
//! Enumerations here parse the plain-English values of the DfE's "Get
//! Information About Schools" (GIAS) extract and are the vocabulary of the
//! directory's filters.

use serde::{Deserialize, Serialize};

macro_rules! vocab {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Stable code stored in the database and used in URLs and the API.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// Plain-English label.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            /// Parse a stored code.
            pub fn from_code(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.label()) }
        }
    };
}

vocab! {
    /// Phase of education, as the partnership groups schools.
    Phase {
        Nursery => "nursery", "Nursery";
        Primary => "primary", "Primary";
        Middle => "middle", "Middle";
        Secondary => "secondary", "Secondary";
        AllThrough => "all_through", "All-through";
        Post16 => "post16", "16 plus";
        Special => "special", "Special";
        AlternativeProvision => "ap", "Alternative provision";
        Other => "other", "Other";
    }
}

vocab! {
    /// Gender of entry.
    Gender {
        Mixed => "mixed", "Mixed";
        Boys => "boys", "Boys";
        Girls => "girls", "Girls";
        NotApplicable => "na", "Not applicable";
    }
}

vocab! {
    /// Admissions policy.
    Admissions {
        Selective => "selective", "Selective";
        NonSelective => "non_selective", "Non-selective";
        NotApplicable => "na", "Not applicable";
    }
}

vocab! {
    /// Latest Ofsted overall effectiveness grade.
    OfstedGrade {
        Outstanding => "outstanding", "Outstanding";
        Good => "good", "Good";
        RequiresImprovement => "requires_improvement", "Requires improvement";
        Inadequate => "inadequate", "Inadequate";
    }
}

vocab! {
    /// Whether a school is open, per GIAS.
    SchoolStatus {
        Open => "open", "Open";
        ProposedToClose => "proposed_to_close", "Open, proposed to close";
        ProposedToOpen => "proposed_to_open", "Proposed to open";
        Closed => "closed", "Closed";
    }
}

vocab! {
    /// Broad type of establishment.
    TypeGroup {
        Academy => "academy", "Academy";
        FreeSchool => "free_school", "Free school";
        Maintained => "maintained", "Local authority maintained";
        Special => "special", "Special school";
        Independent => "independent", "Independent";
        College => "college", "College";
        Other => "other", "Other";
    }
}

impl Phase {
    /// The partnership's phase from GIAS's `PhaseOfEducation (name)` and
    /// `TypeOfEstablishment (name)`: special and alternative provision come
    /// from the type, the rest from the phase.
    pub fn from_gias(phase_name: &str, type_name: &str) -> Phase {
        let t = type_name.to_ascii_lowercase();
        if t.contains("special") {
            return Phase::Special;
        }
        if t.contains("pupil referral") || t.contains("alternative provision") {
            return Phase::AlternativeProvision;
        }
        match phase_name.trim().to_ascii_lowercase().as_str() {
            "nursery" => Phase::Nursery,
            "primary" | "middle deemed primary" => {
                if phase_name.to_ascii_lowercase().starts_with("middle") {
                    Phase::Middle
                } else {
                    Phase::Primary
                }
            }
            "secondary" => Phase::Secondary,
            "middle deemed secondary" => Phase::Middle,
            "16 plus" => Phase::Post16,
            "all-through" | "all through" => Phase::AllThrough,
            _ => Phase::Other,
        }
    }
}

impl Gender {
    pub fn from_gias(s: &str) -> Option<Gender> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mixed" => Some(Gender::Mixed),
            "boys" => Some(Gender::Boys),
            "girls" => Some(Gender::Girls),
            "not applicable" | "" => Some(Gender::NotApplicable),
            _ => None,
        }
    }
}

impl Admissions {
    pub fn from_gias(s: &str) -> Option<Admissions> {
        match s.trim().to_ascii_lowercase().as_str() {
            "selective" => Some(Admissions::Selective),
            "non-selective" | "comprehensive" | "comprehensive (secondary)" | "modern (secondary)" => {
                Some(Admissions::NonSelective)
            }
            "not applicable" | "not collected" | "" => Some(Admissions::NotApplicable),
            _ => None,
        }
    }
}

impl OfstedGrade {
    /// GIAS's `OfstedRating (name)` (2021 layout) or a 1–4 grade.
    pub fn from_gias(s: &str) -> Option<Option<OfstedGrade>> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "not applicable" | "none" => Some(None),
            "outstanding" | "1" => Some(Some(OfstedGrade::Outstanding)),
            "good" | "2" => Some(Some(OfstedGrade::Good)),
            "requires improvement" | "satisfactory" | "3" => Some(Some(OfstedGrade::RequiresImprovement)),
            "inadequate" | "serious weaknesses" | "special measures" | "4" => Some(Some(OfstedGrade::Inadequate)),
            _ => None,
        }
    }

    pub fn number(self) -> u8 {
        match self {
            OfstedGrade::Outstanding => 1,
            OfstedGrade::Good => 2,
            OfstedGrade::RequiresImprovement => 3,
            OfstedGrade::Inadequate => 4,
        }
    }
}

impl SchoolStatus {
    /// GIAS's `EstablishmentStatus (name)`.
    pub fn from_gias(s: &str) -> Option<SchoolStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Some(SchoolStatus::Open),
            "open, but proposed to close" => Some(SchoolStatus::ProposedToClose),
            "proposed to open" => Some(SchoolStatus::ProposedToOpen),
            "closed" => Some(SchoolStatus::Closed),
            _ => None,
        }
    }
}

impl TypeGroup {
    /// GIAS's `EstablishmentTypeGroup (name)`.
    pub fn from_gias(group_name: &str) -> TypeGroup {
        match group_name.trim().to_ascii_lowercase().as_str() {
            "academies" => TypeGroup::Academy,
            "free schools" => TypeGroup::FreeSchool,
            "local authority maintained schools" => TypeGroup::Maintained,
            "special schools" => TypeGroup::Special,
            "independent schools" => TypeGroup::Independent,
            "colleges" | "universities" => TypeGroup::College,
            _ => TypeGroup::Other,
        }
    }
}

/// England's regions (GIAS `GOR (name)`), used to group schools into Hubs and
/// to say where people will travel.
pub const REGIONS: &[&str] = &[
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_comes_from_type_for_special_and_ap() {
        assert_eq!(Phase::from_gias("Not applicable", "Community special school"), Phase::Special);
        assert_eq!(Phase::from_gias("Secondary", "Academy special converter"), Phase::Special);
        assert_eq!(Phase::from_gias("Not applicable", "Pupil referral unit"), Phase::AlternativeProvision);
        assert_eq!(Phase::from_gias("Primary", "Academy converter"), Phase::Primary);
        assert_eq!(Phase::from_gias("Middle deemed primary", "Community school"), Phase::Middle);
        assert_eq!(Phase::from_gias("Middle deemed secondary", "Community school"), Phase::Middle);
        assert_eq!(Phase::from_gias("All-through", "Free schools"), Phase::AllThrough);
        assert_eq!(Phase::from_gias("16 plus", "Academy 16-19 converter"), Phase::Post16);
        assert_eq!(Phase::from_gias("Not applicable", "Other independent school"), Phase::Other);
    }

    #[test]
    fn vocabularies_round_trip_codes() {
        for p in Phase::ALL {
            assert_eq!(Phase::from_code(p.code()), Some(*p));
        }
        for g in OfstedGrade::ALL {
            assert_eq!(OfstedGrade::from_code(g.code()), Some(*g));
        }
        assert_eq!(Phase::from_code("bogus"), None);
    }

    #[test]
    fn gias_values_parse() {
        assert_eq!(Gender::from_gias("Girls"), Some(Gender::Girls));
        assert_eq!(Gender::from_gias("Unicorns"), None);
        assert_eq!(Admissions::from_gias("Selective"), Some(Admissions::Selective));
        assert_eq!(Admissions::from_gias("Non-selective"), Some(Admissions::NonSelective));
        assert_eq!(OfstedGrade::from_gias("Requires improvement"), Some(Some(OfstedGrade::RequiresImprovement)));
        assert_eq!(OfstedGrade::from_gias(""), Some(None));
        assert_eq!(OfstedGrade::from_gias("Brilliant"), None);
        assert_eq!(SchoolStatus::from_gias("Open, but proposed to close"), Some(SchoolStatus::ProposedToClose));
        assert_eq!(TypeGroup::from_gias("Academies"), TypeGroup::Academy);
    }
}

/// The facts about a school that come from GIAS (or the demo data): the
/// record the importer produces and the storage layer keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolData {
    pub urn: i64,
    pub name: String,
    pub la_name: Option<String>,
    pub type_name: Option<String>,
    pub type_group: TypeGroup,
    pub status: SchoolStatus,
    pub phase: Phase,
    pub low_age: Option<i64>,
    pub high_age: Option<i64>,
    pub gender: Gender,
    pub admissions: Admissions,
    pub religious_character: Option<String>,
    pub street: Option<String>,
    pub locality: Option<String>,
    pub town: Option<String>,
    pub county: Option<String>,
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub website: Option<String>,
    pub telephone: Option<String>,
    pub pupils: Option<i64>,
    pub capacity: Option<i64>,
    /// Percentage of pupils eligible for free school meals (0–100).
    pub fsm_pct: Option<f64>,
    /// GIAS `Trusts (code)` and `Trusts (name)`.
    pub trust_code: Option<String>,
    pub trust_name: Option<String>,
    pub easting: Option<i64>,
    pub northing: Option<i64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub ofsted_grade: Option<OfstedGrade>,
    /// ISO date (YYYY-MM-DD) of the last Ofsted inspection.
    pub ofsted_date: Option<String>,
    pub open_date: Option<String>,
    pub close_date: Option<String>,
    pub sixth_form: bool,
}
