//! What the API sends and receives. These are the API's contract, kept
//! apart from the storage types so the database can change without
//! breaking programs.

use serde::{Deserialize, Serialize};
use upward_storage::{audit, auth, hubs, imports, outbox, people, programmes, schools};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ErrorDto {
    /// A stable code: sign_in_required, bad_token, forbidden, session_required, not_found, bad_request, invalid, conflict, csrf_failed, too_large, method_not_allowed, busy (503, with Retry-After: try again), internal.
    pub error: String,
    /// What is wrong, in plain English.
    pub message: String,
    pub fields: Option<Vec<FieldErrorDto>>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldErrorDto {
    pub field: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct GrantDto {
    pub id: i64,
    pub role: String,
    pub role_label: String,
    /// global, hub, school or trust.
    pub scope: String,
    pub scope_id: Option<i64>,
    pub scope_name: Option<String>,
}

impl From<&people::GrantView> for GrantDto {
    fn from(g: &people::GrantView) -> Self {
        GrantDto {
            id: g.id,
            role: g.grant.role.as_str().into(),
            role_label: g.grant.role.label().into(),
            scope: g.grant.scope.kind().as_str().into(),
            scope_id: g.grant.scope.id(),
            scope_name: g.scope_name.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PoolDto {
    pub pool: String,
    pub label: String,
    pub status: String,
    pub since: Option<String>,
    pub min_per_year: Option<i64>,
    pub max_per_year: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub job_title: Option<String>,
    pub school_urn: Option<i64>,
    pub school_name: Option<String>,
    pub hub_id: Option<i64>,
    pub hub_name: Option<String>,
    pub trust_id: Option<i64>,
    pub trust_name: Option<String>,
    /// invited, active or disabled.
    pub status: String,
    pub roles: Vec<GrantDto>,
    pub pools: Vec<PoolDto>,
    pub specialisms: Vec<String>,
    pub regions: Vec<String>,
}

impl From<&people::Person> for PersonDto {
    fn from(p: &people::Person) -> Self {
        PersonDto {
            id: p.id,
            full_name: p.full_name.clone(),
            email: p.email.clone(),
            job_title: p.job_title.clone(),
            school_urn: p.school_urn,
            school_name: p.school_name.clone(),
            hub_id: p.hub_id,
            hub_name: p.hub_name.clone(),
            trust_id: p.trust_id,
            trust_name: p.trust_name.clone(),
            status: p.status.as_str().into(),
            roles: p.grants.iter().map(GrantDto::from).collect(),
            pools: p
                .pools
                .iter()
                .map(|x| PoolDto {
                    pool: x.pool.clone(),
                    label: x.label.clone(),
                    status: x.status.as_str().into(),
                    since: x.since.clone(),
                    min_per_year: x.min_per_year,
                    max_per_year: x.max_per_year,
                })
                .collect(),
            specialisms: p.specialisms.clone(),
            regions: p.regions.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    pub person: PersonDto,
    /// What the caller may do, e.g. browse_directory, import_data, view_audit.
    pub can: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PerformanceDto {
    pub year: String,
    pub measure: String,
    pub pupil_group: String,
    pub value: Option<f64>,
    pub national: Option<f64>,
}

impl From<schools::Performance> for PerformanceDto {
    fn from(p: schools::Performance) -> Self {
        PerformanceDto {
            year: p.year,
            measure: p.measure,
            pupil_group: p.pupil_group,
            value: p.value,
            national: p.national,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ThemeDto {
    /// excellence (an Area of Excellence) or challenge.
    pub kind: String,
    pub theme: Option<String>,
    pub description: String,
    pub accredited_year: Option<i64>,
}

impl From<schools::SchoolTheme> for ThemeDto {
    fn from(t: schools::SchoolTheme) -> Self {
        ThemeDto { kind: t.kind, theme: t.theme_label, description: t.description, accredited_year: t.accredited_year }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SchoolDto {
    pub urn: i64,
    pub name: String,
    pub phase: String,
    pub type_name: Option<String>,
    pub type_group: String,
    pub status: String,
    pub gender: String,
    pub admissions: String,
    pub religious_character: Option<String>,
    pub low_age: Option<i64>,
    pub high_age: Option<i64>,
    pub pupils: Option<i64>,
    pub capacity: Option<i64>,
    pub fsm_pct: Option<f64>,
    pub ofsted_grade: Option<String>,
    pub ofsted_date: Option<String>,
    pub street: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub la_name: Option<String>,
    pub region: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub website: Option<String>,
    pub telephone: Option<String>,
    pub trust_id: Option<i64>,
    pub trust_name: Option<String>,
    pub hub_id: Option<i64>,
    pub hub_name: Option<String>,
    /// member, former or none.
    pub membership: String,
    pub member_since: Option<String>,
    pub teaching_school: bool,
    pub sixth_form: bool,
    /// Only on a single school.
    pub performance: Option<Vec<PerformanceDto>>,
    /// Only on a single school.
    pub themes: Option<Vec<ThemeDto>>,
}

impl From<&schools::School> for SchoolDto {
    fn from(s: &schools::School) -> Self {
        SchoolDto {
            urn: s.urn,
            name: s.name.clone(),
            phase: s.phase.code().into(),
            type_name: s.type_name.clone(),
            type_group: s.type_group.code().into(),
            status: s.status.code().into(),
            gender: s.gender.code().into(),
            admissions: s.admissions.code().into(),
            religious_character: s.religious_character.clone(),
            low_age: s.low_age,
            high_age: s.high_age,
            pupils: s.pupils,
            capacity: s.capacity,
            fsm_pct: s.fsm_pct,
            ofsted_grade: s.ofsted_grade.map(|g| g.code().to_string()),
            ofsted_date: s.ofsted_date.clone(),
            street: s.street.clone(),
            town: s.town.clone(),
            postcode: s.postcode.clone(),
            la_name: s.la_name.clone(),
            region: s.region.clone(),
            latitude: s.latitude,
            longitude: s.longitude,
            website: s.website.clone(),
            telephone: s.telephone.clone(),
            trust_id: s.trust_id,
            trust_name: s.trust_name.clone(),
            hub_id: s.hub_id,
            hub_name: s.hub_name.clone(),
            membership: s.membership.clone(),
            member_since: s.member_since.clone(),
            teaching_school: s.teaching_school,
            sixth_form: s.sixth_form,
            performance: None,
            themes: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SchoolPage {
    pub items: Vec<SchoolDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LeaderDto {
    pub person_id: i64,
    pub name: String,
    pub email: String,
}

impl From<&hubs::Leader> for LeaderDto {
    fn from(l: &hubs::Leader) -> Self {
        LeaderDto { person_id: l.person_id, name: l.name.clone(), email: l.email.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HubDto {
    pub id: i64,
    pub name: String,
    pub region: Option<String>,
    pub description: Option<String>,
    pub member_schools: i64,
    pub pupils: i64,
    pub senior_partners: Vec<LeaderDto>,
    pub hub_managers: Vec<LeaderDto>,
}

impl From<&hubs::Hub> for HubDto {
    fn from(h: &hubs::Hub) -> Self {
        HubDto {
            id: h.id,
            name: h.name.clone(),
            region: h.region.clone(),
            description: h.description.clone(),
            member_schools: h.schools,
            pupils: h.pupils,
            senior_partners: h.senior_partners.iter().map(LeaderDto::from).collect(),
            hub_managers: h.hub_managers.iter().map(LeaderDto::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HubDetail {
    pub hub: HubDto,
    pub schools: Vec<SchoolDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TrustDto {
    pub id: i64,
    pub code: Option<String>,
    pub name: String,
    pub schools: i64,
    pub member_schools: i64,
    pub pupils: i64,
}

impl From<&hubs::Trust> for TrustDto {
    fn from(t: &hubs::Trust) -> Self {
        TrustDto {
            id: t.id,
            code: t.code.clone(),
            name: t.name.clone(),
            schools: t.schools,
            member_schools: t.member_schools,
            pupils: t.pupils,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TrustDetail {
    pub trust: TrustDto,
    pub schools: Vec<SchoolDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<PersonDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct InviteRequest {
    /// Their e-mail address (at most 254 characters; not already in Upward).
    pub email: String,
    /// At most 120 characters, one line.
    pub full_name: String,
    /// At most 120 characters, one line.
    pub job_title: Option<String>,
    /// Their school's URN (needed for school_leader and trust_executive roles).
    pub school_urn: Option<i64>,
    /// Role codes, each at most once, e.g. ["school_leader", "reviewer"].
    #[serde(default)]
    pub roles: Vec<String>,
    /// The Hub (an id from /api/v1/hubs), for senior_partner and hub_manager roles.
    pub hub_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct RoleRequest {
    pub role: String,
    pub hub_id: Option<i64>,
    /// For school_leader: the school (default: the person's own school).
    pub school_urn: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportRunDto {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    /// running, succeeded or failed.
    pub status: String,
    pub percent: i64,
    pub rows_done: i64,
    pub bytes_done: i64,
    pub bytes_total: Option<i64>,
    pub message: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// On success: counts and samples of what changed. On refusal: the problems (file, row, field).
    pub report: Option<serde_json::Value>,
}

impl From<imports::ImportRun> for ImportRunDto {
    fn from(r: imports::ImportRun) -> Self {
        ImportRunDto {
            percent: r.percent(),
            id: r.id,
            kind: r.kind,
            file_name: r.file_name,
            status: r.status.as_str().into(),
            rows_done: r.rows_done,
            bytes_done: r.bytes_done,
            bytes_total: r.bytes_total,
            message: r.message,
            started_at: r.started_at,
            finished_at: r.finished_at,
            report: r.report,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditDto {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: Option<String>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl From<audit::AuditEntry> for AuditDto {
    fn from(e: audit::AuditEntry) -> Self {
        AuditDto {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            actor: e.actor_label,
            action: e.action,
            entity_kind: e.entity_kind,
            entity_id: e.entity_id,
            summary: e.summary,
            before: e.before,
            after: e.after,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EmailDto {
    pub id: i64,
    pub created_at: i64,
    pub to: String,
    pub topic: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub sent_at: Option<i64>,
}

impl From<outbox::Email> for EmailDto {
    fn from(m: outbox::Email) -> Self {
        EmailDto {
            id: m.id,
            created_at: m.created_at,
            to: m.to_address,
            topic: m.topic,
            subject: m.subject,
            body: m.body_text,
            status: m.status.as_str().into(),
            sent_at: m.sent_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EmailPage {
    pub items: Vec<EmailDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct NotificationSetting {
    /// reviews, programmes, events, directory or digest.
    pub topic: String,
    pub email: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub hint: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl From<auth::ApiToken> for TokenDto {
    fn from(t: auth::ApiToken) -> Self {
        TokenDto { id: t.id, name: t.name, hint: t.hint, created_at: t.created_at, last_used_at: t.last_used_at }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    /// What the token is for: at most 80 characters, one line.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenDto {
    pub id: i64,
    pub name: String,
    /// The secret: shown once.
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarItemDto {
    pub uid: String,
    pub title: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub location: Option<String>,
    pub description: String,
}

impl From<programmes::CalendarItem> for CalendarItemDto {
    fn from(i: programmes::CalendarItem) -> Self {
        CalendarItemDto {
            uid: i.uid,
            title: i.title,
            starts_on: i.starts_on,
            ends_on: i.ends_on,
            starts_at: i.starts_at,
            ends_at: i.ends_at,
            location: i.location,
            description: i.description,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CalendarDto {
    /// Whether you have made a private ICS feed address on your account
    /// page. The address is shown there once, when made; Upward keeps only
    /// its hash, so it is not here.
    pub has_feed: bool,
    pub items: Vec<CalendarItemDto>,
}
