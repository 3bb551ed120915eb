//! The theme tagger on every theme of the Growing the Top pilot.

use upward_matching::themes::{Tagger, Taxonomy};

const PILOT: &str = include_str!("../data/gtt-2018-themes.csv");

fn tag_ids(tax: &Taxonomy, tagger: &Tagger, text: &str) -> Vec<String> {
    tagger.tag(text).iter().filter_map(|m| tax.tag(m.tag).map(|t| t.id.clone())).collect()
}

fn pilot_themes() -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_reader(PILOT.as_bytes());
    r.records()
        .map(|x| {
            let x = x.expect("pilot CSV");
            (x[0].to_string(), x[1].to_string(), x[2].to_string())
        })
        .collect()
}

#[test]
fn default_taxonomy_loads_and_covers_the_named_areas() {
    let tax = Taxonomy::default();
    assert!(tax.len() >= 25, "{} tags", tax.len());
    for id in [
        "maths",
        "english",
        "send",
        "assessment",
        "middle_leadership",
        "disadvantaged",
        "boys",
        "sixth_form",
        "coaching_cpd",
        "curriculum",
        "pastoral_wellbeing",
        "behaviour",
        "oracy_literacy",
        "recruitment_retention",
        "inclusion",
        "tutoring_pshe",
        "enrichment",
        "teaching_learning",
        "data_tracking",
        "leadership",
    ] {
        assert!(tax.index_of(id).is_some(), "missing tag {id}");
    }
}

#[test]
fn every_pilot_theme_gets_a_tag() {
    let tax = Taxonomy::default();
    let tagger = Tagger::new(&tax);
    let themes = pilot_themes();
    assert_eq!(themes.len(), 63);
    for (school, kind, text) in &themes {
        let tags = tag_ids(&tax, &tagger, text);
        assert!(!tags.is_empty(), "{school} {kind} `{text}` has no tag");
    }
}

#[test]
fn pilot_themes_get_the_sensible_tags() {
    let tax = Taxonomy::default();
    let tagger = Tagger::new(&tax);
    let expect = [
        ("Use of data, assessment, tracking and monitoring", &["data_tracking", "assessment"][..]),
        ("Progress of boys (KS3 and 4)", &["boys"]),
        ("Sixth form and curriculum", &["sixth_form", "curriculum"]),
        ("Consistency of tutoring and delivery of PSHE", &["tutoring_pshe"]),
        ("Feedback", &["assessment"]),
        ("Coaching", &["coaching_cpd"]),
        ("Developing middle leaders", &["middle_leadership"]),
        ("Curriculum and CPD (middle leaders)", &["curriculum", "coaching_cpd", "middle_leadership"]),
        ("Vertical tutoring", &["tutoring_pshe"]),
        ("Sixth form progress and retention of students", &["sixth_form"]),
        ("Enrichment and Year 8 Baccalaureate", &["enrichment"]),
        ("Student independence; stretch and challenge", &["high_attainers"]),
        ("Oracy development", &["oracy_literacy"]),
        ("Quality First Teaching and intervention", &["teaching_learning", "intervention"]),
        ("Quality first teaching in KS3 for pupils with SEND", &["teaching_learning", "send"]),
        ("Improving performance in subjects needing fluent academic reading and writing", &["oracy_literacy"]),
        ("Improving outcomes for disadvantaged children", &["disadvantaged"]),
        ("Challenge with high achieving students", &["high_attainers"]),
        ("Improving progress in English and maths", &["english", "maths"]),
        ("Student welfare and support; key stage 5", &["pastoral_wellbeing", "sixth_form"]),
        ("Closing the gap for disadvantaged students", &["disadvantaged"]),
        ("Reducing the disadvantage gap", &["disadvantaged"]),
        ("Subject learning, curriculum and planning (mathematics, MFL)", &["curriculum", "maths", "mfl"]),
        ("GCSE achievement in English and history", &["english", "humanities"]),
        ("School culture and 'growing their own' staff", &["school_culture", "recruitment_retention"]),
        ("Pressures on recruitment and work life balance", &["recruitment_retention"]),
        ("Recruitment and retention", &["recruitment_retention"]),
        ("Pastoral care, mental health and well-being", &["pastoral_wellbeing"]),
        ("Super curricular and leadership opportunities at post-16", &["enrichment", "sixth_form"]),
        ("Variability in post-16 outcomes", &["sixth_form", "outcomes"]),
        ("Student achievement in mathematics", &["maths"]),
        ("Driving standards: data-tracking, standards board", &["data_tracking", "quality_assurance"]),
        ("Demographic gaps (Black Caribbean boys, disadvantaged students)", &["disadvantaged", "boys"]),
        ("Sharing excellent practice: strategies for teacher professional development", &["coaching_cpd"]),
        ("Distributed leadership and personal improvement plans (PIPs)", &["leadership"]),
        ("Inclusion", &["inclusion"]),
        ("Arts and enrichment", &["enrichment", "arts"]),
    ];
    for (text, want) in expect {
        let got = tag_ids(&tax, &tagger, text);
        for w in want {
            assert!(got.iter().any(|g| g == w), "`{text}`: expected {w}, got {got:?}");
        }
    }
    // Things that must not be tagged.
    let sixth = tag_ids(&tax, &tagger, "Sixth form progress and retention of students");
    assert!(!sixth.contains(&"recruitment_retention".to_string()), "{sixth:?}");
}

#[test]
fn matches_are_explainable() {
    let tax = Taxonomy::default();
    let tagger = Tagger::new(&tax);
    let m = tagger.tag("Pastoral care, mental health and well-being");
    let wb = m.iter().find(|x| tax.tag(x.tag).is_some_and(|t| t.id == "pastoral_wellbeing")).expect("tag");
    assert_eq!(wb.matched, "Pastoral care");
    let m = tagger.tag("Variability in post-16 outcomes");
    assert!(m.iter().any(|x| x.matched == "post-16"), "{m:?}");
}

#[test]
fn an_edited_taxonomy_is_data() {
    let csv = "id,label,weight,keywords\nforest,forest school,1,forest school;outdoor learning\n";
    let tax = Taxonomy::parse(csv.as_bytes(), "mine.csv").expect("parse");
    let tagger = Tagger::new(&tax);
    assert_eq!(tag_ids(&tax, &tagger, "Outdoor learning for all"), ["forest"]);
    let bad = "id,label,weight,keywords\nx,X,heavy,a\n";
    let e = Taxonomy::parse(bad.as_bytes(), "bad.csv").expect_err("bad weight");
    assert_eq!((e.line, e.field.as_str()), (2, "weight"));
    let missing = "id,label\nx,X\n";
    let e = Taxonomy::parse(missing.as_bytes(), "m.csv").expect_err("missing column");
    assert_eq!(e.field, "keywords");
}
