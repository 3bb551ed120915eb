//! The shared theme taxonomy: every Area of Excellence, challenge and
//! specialism is tagged with it, and matching compares schools through it.
//! The central team edits it here, and can try the tagger on any text.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect_with};
use crate::error::{Failure, FieldError};
use crate::forms::{Form, Path, Query};
use crate::layout::Layout;
use crate::services::matching::{engine_taxonomy, taxonomy_of};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use upward_domain::ids::ThemeId;
use upward_domain::policy::Action;
use upward_domain::validate;
use upward_matching::themes::Tagger;
use upward_storage::schools::{self, Theme};

pub struct TryResult {
    pub text: String,
    /// (tag label, keyword, the words of the text that matched)
    pub tags: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "matching/themes.html")]
struct ThemesPage {
    l: Layout,
    themes: Vec<Theme>,
    tried: Option<TryResult>,
    can_edit: bool,
    errors: Vec<FieldError>,
    f: ThemeForm,
}

impl ThemesPage {
    /// What was typed in the "add a theme" form.
    fn v(&self, name: &str) -> String {
        match name {
            "code" => &self.f.code,
            "label" => &self.f.label,
            "weight" => &self.f.weight,
            "keywords" => &self.f.keywords,
            _ => "",
        }
        .trim()
        .to_string()
    }
}

/// A theme as typed (add or change).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ThemeForm {
    pub code: String,
    pub label: String,
    pub weight: String,
    pub keywords: String,
}

/// The themes page's address: `try` is a text to tag.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ThemesParams {
    #[serde(rename = "try")]
    pub try_text: String,
}

/// The tags the tagger gives `text`, explained.
pub fn try_tagger(themes: &[Theme], text: &str) -> TryResult {
    let taxonomy = engine_taxonomy(&taxonomy_of(themes));
    let tagger = Tagger::new(&taxonomy);
    let tags = tagger
        .tag(text)
        .into_iter()
        .filter_map(|m| taxonomy.tag(m.tag).map(|t| (t.label.clone(), m.keyword, m.matched)))
        .collect();
    TryResult { text: text.to_string(), tags }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    q: &ThemesParams,
    f: ThemeForm,
    errors: Vec<FieldError>,
) -> Result<ThemesPage, Failure> {
    let themes = schools::taxonomy(&state.db).await?;
    let text = q.try_text.trim();
    let tried = if text.is_empty() { None } else { Some(try_tagger(&themes, text)) };
    Ok(ThemesPage { l: Layout::new(ctx, "Themes"), themes, tried, can_edit: ctx.can(&Action::RunMatching), errors, f })
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ThemesParams>) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    Ok(render(&page(&state, &ctx, &q, ThemeForm::default(), vec![]).await?))
}

fn read(f: &ThemeForm, errors: &mut Vec<FieldError>) -> Option<(String, String, f64)> {
    let label = validate::required_text("a label", &f.label, 80)
        .map_err(|m| errors.push(FieldError { field: "label".into(), message: m }))
        .ok();
    let keywords: Vec<String> = f.keywords.split(';').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect();
    if keywords.is_empty() {
        errors.push(FieldError {
            field: "keywords".into(),
            message: "Give at least one keyword or phrase (separate them with ;)".into(),
        });
    }
    let weight = match f.weight.trim() {
        "" => Some(1.0),
        w => match w.parse::<f64>() {
            Ok(x) if x.is_finite() && (0.0..=10.0).contains(&x) => Some(x),
            _ => {
                errors.push(FieldError {
                    field: "weight".into(),
                    message: format!("The weight is a number from 0 to 10, not \"{w}\""),
                });
                None
            }
        },
    };
    Some((label?, keywords.join("; "), weight?))
}

pub async fn add(State(state): State<AppState>, ctx: Ctx, Form(f): Form<ThemeForm>) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let mut errors = vec![];
    let code: String =
        f.code.trim().to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if code.is_empty() {
        errors
            .push(FieldError { field: "code".into(), message: "Give the theme a short code, e.g. early_years".into() });
    }
    let read = read(&f, &mut errors);
    let (Some((label, keywords, weight)), true) = (read, errors.is_empty()) else {
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &ctx, &ThemesParams::default(), f, errors).await?,
        ));
    };
    let mut tx = state.db.begin().await?;
    schools::add_taxonomy_theme(&mut tx, &ctx.who(), &code, &label, &keywords, weight).await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/matching/themes",
        "success",
        &format!("Theme \"{label}\" added. New proposals use it."),
        ctx.secure,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ThemeId>,
    Form(f): Form<ThemeForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let mut errors = vec![];
    let Some((label, keywords, weight)) = read(&f, &mut errors).filter(|_| errors.is_empty()) else {
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &ctx, &ThemesParams::default(), ThemeForm::default(), errors).await?,
        ));
    };
    let mut tx = state.db.begin().await?;
    schools::update_taxonomy_theme(&mut tx, &ctx.who(), id, &label, &keywords, weight).await?;
    tx.commit().await?;
    Ok(redirect_with(
        &format!("/matching/themes#theme-{id}"),
        "success",
        &format!("Theme \"{label}\" saved. New proposals use it."),
        ctx.secure,
    ))
}
