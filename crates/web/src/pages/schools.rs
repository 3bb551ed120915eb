//! The school directory: search, filter, sort, page, export; and profiles.

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Failure, FieldError};
use crate::export::{Cell, Format, Table, download};
use crate::forms::{Path, Query, page_number};
use crate::layout::{Layout, date, thousands};
use crate::services::directory::{SchoolParams, school_query};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use upward_domain::ids::{TrustId, Urn};
use upward_domain::policy::{Action, people_visibility};
use upward_domain::school::{Admissions, Gender, OfstedGrade, Phase, REGIONS, TypeGroup};
use upward_storage::schools::{self, School, SchoolSort, StatusFilter};
use upward_storage::{Page, hubs, people, programmes};

pub const PER_PAGE: i64 = 25;
pub const EXPORT_LIMIT: i64 = 100_000;

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opts<T: Copy + PartialEq>(
    all: &[T],
    chosen: Option<T>,
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<Opt> {
    all.iter().map(|x| Opt { value: code(*x).into(), label: label(*x).into(), selected: chosen == Some(*x) }).collect()
}

pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    /// "ascending", "descending" or "none" (for aria-sort).
    pub aria: &'static str,
}

#[derive(Template)]
#[template(path = "schools/list.html")]
struct List {
    l: Layout,
    q: String,
    phases: Vec<Opt>,
    types: Vec<Opt>,
    genders: Vec<Opt>,
    admissions: Vec<Opt>,
    ofsted: Vec<Opt>,
    regions: Vec<Opt>,
    hubs: Vec<Opt>,
    all_scope: bool,
    status: String,
    trust_filter: Option<(i64, String, String)>,
    errors: Vec<FieldError>,
    page: Page<School>,
    sorts: Vec<SortLink>,
    base_query: String,
    export_query: String,
}

impl List {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    fn page_link(&self, p: i64) -> String {
        if self.base_query.is_empty() {
            format!("/schools?page={p}")
        } else {
            format!("/schools?{}&page={p}", self.base_query)
        }
    }
    fn count(&self, n: impl crate::layout::AsI64, one: &str, many: &str) -> String {
        upward_domain::text::count(n.as_i64(), one, many)
    }
    fn are(&self, n: impl crate::layout::AsI64) -> &'static str {
        upward_domain::text::plural(n.as_i64(), "is", "are")
    }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SchoolParams>) -> Result<Response, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let (query, errors) = school_query(&q);
    if let Some(f) = Format::from_query(q.format.trim()) {
        let rows = schools::export(&state.db, &query, EXPORT_LIMIT).await?;
        return Ok(download(&table(&rows), f, state.today()));
    }
    let page = schools::search(&state.db, &query, page_number(&q.page), PER_PAGE).await?;
    let hub_list = hubs::names(&state.db).await?;
    let trust_filter = match query.trust_id {
        Some(t) => hubs::trust(&state.db, TrustId(t)).await?.map(|t| (t.id, t.name, q.link_query(&["trust"]))),
        None => None,
    };
    let base_query = q.link_query(&[]);
    let sorts = SchoolSort::ALL
        .iter()
        .filter(|(s, _, _)| {
            matches!(
                s,
                SchoolSort::Name
                    | SchoolSort::Urn
                    | SchoolSort::Town
                    | SchoolSort::Pupils
                    | SchoolSort::Fsm
                    | SchoolSort::Ofsted
            )
        })
        .map(|(s, code, label)| {
            let active = query.sort == *s;
            let dir = if active && !query.desc { "desc" } else { "asc" };
            let rest = q.link_query(&["sort", "dir"]);
            let href = format!("/schools?{}{}sort={code}&dir={dir}", rest, if rest.is_empty() { "" } else { "&" });
            SortLink {
                label,
                href,
                aria: if !active {
                    "none"
                } else if query.desc {
                    "descending"
                } else {
                    "ascending"
                },
            }
        })
        .collect();
    let export_query = q.link_query(&[]);
    let status = match query.status {
        StatusFilter::Open => "open",
        StatusFilter::Closed => "closed",
        StatusFilter::Any => "any",
    }
    .to_string();
    let regions = REGIONS
        .iter()
        .map(|r| Opt { value: r.to_string(), label: r.to_string(), selected: query.region.as_deref() == Some(*r) })
        .collect();
    let hubs = hub_list
        .into_iter()
        .map(|(id, name)| Opt { value: id.to_string(), label: name, selected: query.hub_id == Some(id) })
        .collect();
    let page = List {
        l: Layout::new(&ctx, "Schools"),
        q: query.q.clone().unwrap_or_default(),
        phases: opts(Phase::ALL, query.phase, |x| x.code(), |x| x.label()),
        types: opts(TypeGroup::ALL, query.type_group, |x| x.code(), |x| x.label()),
        genders: opts(Gender::ALL, query.gender, |x| x.code(), |x| x.label()),
        admissions: opts(Admissions::ALL, query.admissions, |x| x.code(), |x| x.label()),
        ofsted: opts(OfstedGrade::ALL, query.ofsted, |x| x.code(), |x| x.label()),
        regions,
        hubs,
        all_scope: !query.members_only,
        status,
        trust_filter,
        errors,
        page,
        sorts,
        base_query,
        export_query,
    };
    Ok(render(&page))
}

fn table(rows: &[School]) -> Table {
    Table {
        name: "Schools".into(),
        headers: vec![
            "URN",
            "Name",
            "Phase",
            "Type",
            "Status",
            "Gender",
            "Admissions",
            "Religious character",
            "Pupils",
            "FSM %",
            "Ofsted grade",
            "Ofsted date",
            "Trust",
            "Hub",
            "Membership",
            "Street",
            "Town",
            "Postcode",
            "Local authority",
            "Region",
            "Latitude",
            "Longitude",
            "Website",
            "Telephone",
        ],
        rows: rows
            .iter()
            .map(|s| {
                vec![
                    Cell::from(s.urn),
                    Cell::from(s.name.as_str()),
                    Cell::from(s.phase.label()),
                    Cell::from(s.type_name.clone()),
                    Cell::from(s.status.label()),
                    Cell::from(s.gender.label()),
                    Cell::from(s.admissions.label()),
                    Cell::from(s.religious_character.clone()),
                    Cell::from(s.pupils),
                    Cell::from(s.fsm_pct),
                    Cell::from(s.ofsted_grade.map(|g| g.label().to_string())),
                    Cell::from(s.ofsted_date.clone()),
                    Cell::from(s.trust_name.clone()),
                    Cell::from(s.hub_name.clone()),
                    Cell::from(s.membership.as_str()),
                    Cell::from(s.street.clone()),
                    Cell::from(s.town.clone()),
                    Cell::from(s.postcode.clone()),
                    Cell::from(s.la_name.clone()),
                    Cell::from(s.region.clone()),
                    Cell::from(s.latitude),
                    Cell::from(s.longitude),
                    Cell::from(s.website.clone()),
                    Cell::from(s.telephone.clone()),
                ]
            })
            .collect(),
    }
}

/// A performance figure with its national comparison, for display.
pub struct Figure {
    pub year: String,
    pub label: String,
    pub group: String,
    pub value: String,
    pub national: String,
    pub gap: String,
    /// "above", "below" or "same" (for a plain-English cue, not only colour).
    pub cue: &'static str,
}

pub fn measure_label(code: &str) -> (&'static str, bool) {
    // (label, is a percentage)
    match code {
        "ks4_p8" => ("Progress 8", false),
        "ks4_att8" => ("Attainment 8", false),
        "ks4_basics_94" => ("English and maths grade 4 or above", true),
        "ks4_basics_95" => ("English and maths grade 5 or above", true),
        "ks4_ebacc_aps" => ("EBacc average point score", false),
        "ks2_rwm_exp" => ("Reading, writing and maths at the expected standard", true),
        "ks2_read_prog" => ("KS2 reading progress", false),
        "ks2_writ_prog" => ("KS2 writing progress", false),
        "ks2_mat_prog" => ("KS2 maths progress", false),
        _ => ("Other measure", false),
    }
}

fn figures(perf: &[schools::Performance]) -> Vec<Figure> {
    perf.iter()
        .map(|p| {
            let (label, pct) = measure_label(&p.measure);
            let fmt = |v: Option<f64>| match v {
                Some(x) if pct => format!("{x:.0}%"),
                Some(x) => format!("{x:.2}"),
                None => "—".into(),
            };
            let (gap, cue) = match (p.value, p.national) {
                (Some(v), Some(n)) => {
                    let d = v - n;
                    let s = if pct { format!("{d:+.0} points") } else { format!("{d:+.2}") };
                    (
                        s,
                        if d > 0.005 {
                            "above"
                        } else if d < -0.005 {
                            "below"
                        } else {
                            "same"
                        },
                    )
                }
                _ => ("—".into(), "same"),
            };
            Figure {
                year: p.year.clone(),
                label: if label == "Other measure" { p.measure.clone() } else { label.to_string() },
                group: if p.pupil_group == "disadvantaged" {
                    "Disadvantaged pupils".into()
                } else {
                    "All pupils".into()
                },
                value: fmt(p.value),
                national: fmt(p.national),
                gap,
                cue,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "schools/show.html")]
struct Show {
    l: Layout,
    s: School,
    figures: Vec<Figure>,
    excellence: Vec<schools::SchoolTheme>,
    challenges: Vec<schools::SchoolTheme>,
    reviews: Vec<programmes::ReviewSummary>,
    staff: Vec<people::Person>,
    can_see_staff: bool,
}

impl Show {
    fn d(&self, iso: &str) -> String {
        date(iso)
    }
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    fn map_link(&self) -> Option<String> {
        match (self.s.latitude, self.s.longitude) {
            (Some(la), Some(lo)) => {
                Some(format!("https://www.openstreetmap.org/?mlat={la:.5}&mlon={lo:.5}#map=15/{la:.5}/{lo:.5}"))
            }
            _ => None,
        }
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(urn): Path<Urn>) -> Result<Response, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let s = schools::by_urn(&state.db, urn.get()).await?.ok_or(Failure::NotFound("school".into()))?;
    let actor = ctx.require(Action::ViewSchool(s.reference()))?.clone();
    let perf = schools::performance(&state.db, s.id).await?;
    let themes = schools::themes(&state.db, s.id).await?;
    let (excellence, challenges) = themes.into_iter().partition(|t| t.kind == "excellence");
    let reviews = programmes::reviews_of_school(&state.db, s.id).await?;
    let vis = people_visibility(&actor);
    let staff: Vec<people::Person> =
        people::of_school(&state.db, s.id).await?.into_iter().filter(|p| vis.includes(&p.reference())).collect();
    let page = Show {
        l: Layout::new(&ctx, s.name.clone()),
        figures: figures(&perf),
        excellence,
        challenges,
        reviews,
        can_see_staff: ctx.can(&Action::ListPeople),
        staff,
        s,
    };
    Ok(render(&page))
}
