//! Forms that create: organisation, partnership, proposal, pledge.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::NaiveDate;
use fundtrail_domain::enums::{
    ContributionKind, OrganisationKind, PartnershipNature, PartnershipStatus, Theme,
};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::{organisation, partnership, pledge, proposal};
use fundtrail_ledger::Command;
use fundtrail_projections::ReadModel;
use maud::{Markup, html};
use rust_decimal::Decimal;

use super::{Built, FieldError, Fields, Form, FormSpec, new_id};
use crate::i18n::{Lang, parse_amount};
use crate::layout::{self, Nav};
use crate::{Ctx, Web, enc, param};

pub async fn index(State(web): State<Web>, headers: HeaderMap, uri: Uri) -> Response {
    let ctx = Ctx::new(&web, &headers, &uri);
    if let Err(r) = ctx.require_recorder() {
        return r;
    }
    let l = ctx.lang;
    let roadmaps: Vec<(String, String)> = web
        .app
        .read()
        .roadmaps()
        .iter()
        .map(|r| (r.id.as_str().to_owned(), r.title.clone()))
        .collect();
    let body = html! {
        h1 { (l.t("Record a fact", "Saisir un fait")) }
        p { (l.t("Each form records one fact in the ledger, with your name, the date and, for corrections, your reason.",
                 "Chaque formulaire enregistre un fait dans le registre, avec votre nom, la date et, pour une correction, votre motif.")) }
        ul {
            @for (id, title) in &roadmaps {
                li { a href={ "/new/pledge?roadmap=" (enc(id)) } { (l.t("A pledge to", "Une annonce de contribution à")) " « " (title) " »" } }
            }
            li { a href="/new/organisation" { (l.t("An organisation", "Une organisation")) } }
            li { a href="/new/partnership" { (l.t("A partnership", "Un partenariat")) } }
            li { a href="/new/proposal" { (l.t("A proposal submitted to a donor", "Une proposition soumise à un bailleur")) } }
        }
        p.muted { (l.t("To commit, disburse, revise or cancel a pledge, or decide a proposal, open it from the donor map or the pipeline.",
                       "Pour engager, décaisser, réviser ou annuler une annonce, ou décider d'une proposition, ouvrez-la depuis la carte des bailleurs ou le portefeuille.")) }
    };
    layout::page(
        &ctx,
        l.t("Record a fact", "Saisir un fait"),
        Nav::Record,
        body,
    )
}

// ---- shared pieces ----

pub fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// Organisations as choices, by name.
pub fn org_options(model: &ReadModel) -> Vec<(String, String)> {
    let mut orgs: Vec<(String, String)> = model
        .organisations(None, None)
        .iter()
        .map(|o| {
            let text = match &o.acronym {
                Some(a) if a != &o.name => format!("{} — {a}", o.name),
                _ => o.name.clone(),
            };
            (o.id.as_str().to_owned(), text)
        })
        .collect();
    orgs.sort_by_key(|a| a.1.to_lowercase());
    orgs
}

pub fn currency_options(model: &ReadModel) -> Vec<(String, String)> {
    crate::views::currency_choices(model, None)
        .into_iter()
        .map(|c| (c.code().to_owned(), c.code().to_owned()))
        .collect()
}

pub fn theme_options(l: Lang) -> Vec<(String, String)> {
    Theme::ALL
        .iter()
        .map(|t| (t.as_str().to_owned(), l.theme(*t).to_owned()))
        .collect()
}

/// Every priority of every roadmap, `#rank title (roadmap)`.
pub fn priority_options(model: &ReadModel, roadmap: Option<&str>) -> Vec<(String, String)> {
    model
        .roadmaps()
        .iter()
        .filter(|r| roadmap.is_none_or(|id| r.id.as_str() == id))
        .flat_map(|r| {
            model
                .roadmap_priorities(r.id.as_str())
                .into_iter()
                .map(|p| {
                    let text = if roadmap.is_some() {
                        format!("#{} {}", p.rank, p.title)
                    } else {
                        format!("#{} {} ({})", p.rank, p.title, r.id)
                    };
                    (p.id.as_str().to_owned(), text)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Most choices offered as a list; past that, the record's identifier is typed
/// (a large ledger's pages stay light).
const MAX_CHOICES: usize = 300;

/// How many records there are, and their choices (made only when listed).
pub type Choices<'a> = (usize, &'a dyn Fn() -> Vec<(String, String)>);

/// A list of records to choose from, or an identifier to type when there are many.
pub fn choose(
    f: &Form<'_>,
    name: &str,
    label: &str,
    (count, options): Choices<'_>,
    required: bool,
) -> Markup {
    let l = f.lang;
    if count <= MAX_CHOICES {
        let blank = if required {
            l.t("— choose —", "— choisir —")
        } else {
            "—"
        };
        f.select(name, label, &options(), required, Some(blank))
    } else {
        f.input(
            name,
            label,
            "text",
            required,
            Some(l.t(
                "Its identifier, as in the address of its page (e.g. giz).",
                "Son identifiant, comme dans l'adresse de sa fiche (par ex. giz).",
            )),
        )
    }
}

fn parse_enum<T: Copy>(
    all: &[T],
    as_str: impl Fn(T) -> &'static str,
    raw: Option<&str>,
) -> Option<T> {
    let raw = raw?;
    all.iter().copied().find(|v| as_str(*v) == raw)
}

fn themes(fields: &Fields) -> Vec<Theme> {
    fields
        .all("themes")
        .into_iter()
        .filter_map(|t| parse_enum(Theme::ALL, Theme::as_str, Some(t)))
        .collect()
}

/// Reads a required date.
pub fn date_field(
    l: Lang,
    fields: &Fields,
    name: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match fields.get(name) {
        None if required => {
            errors.push(FieldError::new(
                name,
                l.t("Enter the date.", "Saisissez la date."),
            ));
            None
        }
        None => None,
        Some(raw) => match crate::views::parse_date(raw) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError::new(
                    name,
                    l.t(
                        "Enter a date as YYYY-MM-DD.",
                        "Saisissez une date au format AAAA-MM-JJ.",
                    ),
                ));
                None
            }
        },
    }
}

/// Reads an amount typed in either language's format.
pub fn amount_field(
    l: Lang,
    fields: &Fields,
    name: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Decimal> {
    match fields.get(name) {
        None if required => {
            errors.push(FieldError::new(
                name,
                l.t("Enter the amount.", "Saisissez le montant."),
            ));
            None
        }
        None => None,
        Some(raw) => match parse_amount(l, raw) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError::new(
                    name,
                    l.t(
                        "Enter an amount in figures, such as 10,000,000 or 1,250.50.",
                        "Saisissez un montant en chiffres, par exemple 10 000 000 ou 1 250,50.",
                    ),
                ));
                None
            }
        },
    }
}

pub fn currency_field(
    l: Lang,
    fields: &Fields,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Currency {
    match fields.get(name).and_then(crate::views::parse_currency) {
        Some(c) => c,
        None => {
            errors.push(FieldError::new(
                name,
                l.t("Choose a currency.", "Choisissez une devise."),
            ));
            Currency::XOF
        }
    }
}

fn required_text(l: Lang, fields: &Fields, name: &str, errors: &mut Vec<FieldError>) -> String {
    match fields.get(name) {
        Some(v) => v.to_owned(),
        None => {
            errors.push(FieldError::new(
                name,
                l.t("This is required.", "Ce champ est obligatoire."),
            ));
            String::new()
        }
    }
}

/// The command's source fields and the form's, for errors: a domain error
/// on `source.quote` shows beside the quote field.
const SOURCE_ALIASES: &[(&str, &str)] = &[
    ("source.documentId", "sourceDocument"),
    ("source.section", "sourceSection"),
    ("source.quote", "sourceQuote"),
];

/// Where the record comes from: a registered document, its section and the
/// sentence, verbatim (all optional; a quote needs its document).
fn source_inputs(f: &Form<'_>, model: &ReadModel) -> Markup {
    let l = f.lang;
    let documents: Vec<(String, String)> = model
        .documents()
        .iter()
        .map(|d| (d.id.as_str().to_owned(), d.title.clone()))
        .collect();
    html! {
        fieldset {
            legend { (l.t("Source", "Source")) }
            p.hint { (l.t(
                "The document and the sentence this record rests on, copied word for word.",
                "Le document et la phrase sur laquelle repose cette fiche, recopiée mot pour mot.",
            )) }
            div.grid2 {
                (f.select("sourceDocument", l.t("Document", "Document"), &documents, false, Some(l.t("— none —", "— aucun —"))))
                (f.input("sourceSection", l.t("Section", "Section"), "text", false, Some(l.t("e.g. Q4", "par ex. Q4"))))
            }
            (f.textarea("sourceQuote", l.t("Quote", "Citation"), false, None))
        }
    }
}

/// The source a form gives, if any; a quote without its document is an error.
fn source_field(
    l: Lang,
    fields: &Fields,
    errors: &mut Vec<FieldError>,
) -> Option<fundtrail_domain::source::SourceInput> {
    let quote = fields.get("sourceQuote");
    match (fields.get("sourceDocument"), quote) {
        (None, None) => None,
        (None, Some(_)) => {
            errors.push(FieldError::new(
                "sourceDocument",
                l.t(
                    "Choose the document the quote comes from.",
                    "Choisissez le document d'où vient la citation.",
                ),
            ));
            None
        }
        (Some(document), quote) => Some(fundtrail_domain::source::SourceInput {
            document_id: document.to_owned(),
            section: fields.get("sourceSection").map(str::to_owned),
            quote: quote.unwrap_or("").to_owned(),
        }),
    }
}

fn required_choice(l: Lang, fields: &Fields, name: &str, errors: &mut Vec<FieldError>) -> String {
    match fields.get(name) {
        Some(v) => v.to_owned(),
        None => {
            errors.push(FieldError::new(
                name,
                l.t("Choose one.", "Faites un choix."),
            ));
            String::new()
        }
    }
}

// ---- organisation ----

pub struct OrganisationForm;
pub const ORGANISATION: OrganisationForm = OrganisationForm;

impl FormSpec for OrganisationForm {
    fn title(&self, l: Lang, _: &ReadModel, _: Option<&str>) -> Option<String> {
        Some(
            l.t("Register an organisation", "Enregistrer une organisation")
                .to_owned(),
        )
    }

    fn defaults(&self, _: &ReadModel, _: Option<&str>, _: &[(String, String)]) -> Fields {
        Fields::default().with("country", "CIV")
    }

    fn body(&self, f: &Form<'_>, _: &ReadModel, _: Option<&str>) -> Markup {
        let l = f.lang;
        let kinds: Vec<(String, String)> = OrganisationKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), l.kind(*k).to_owned()))
            .collect();
        html! {
            (f.input("name", l.t("Name", "Nom"), "text", true, None))
            (f.input("acronym", l.t("Acronym", "Sigle"), "text", false, None))
            (f.select("kind", l.t("Kind of organisation", "Type d'organisation"), &kinds, true, Some(l.t("— choose —", "— choisir —"))))
            (f.input("country", l.t("Country", "Pays"), "text", true, Some(l.t("ISO 3166 three-letter code, e.g. CIV, FRA, USA.", "Code ISO 3166 à trois lettres, par ex. CIV, FRA, USA."))))
            (f.input("id", l.t("Identifier", "Identifiant"), "text", false, Some(l.t("A short slug such as giz; made for you when left empty.", "Un nom court comme giz ; créé pour vous s'il est laissé vide."))))
        }
    }

    fn build(
        &self,
        l: Lang,
        _: &ReadModel,
        _: Option<&str>,
        fields: &Fields,
        command_id: &str,
    ) -> Result<Built, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = required_text(l, fields, "name", &mut errors);
        let kind = parse_enum(
            OrganisationKind::ALL,
            OrganisationKind::as_str,
            fields.get("kind"),
        );
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                l.t("Choose one.", "Faites un choix."),
            ));
        }
        let country = required_text(l, fields, "country", &mut errors).to_ascii_uppercase();
        let (Some(kind), true) = (kind, errors.is_empty()) else {
            return Err(errors);
        };
        let id = fields
            .get("id")
            .map_or_else(|| new_id(command_id, "org"), str::to_owned);
        let command = organisation::RegisterOrganisation {
            id: id.clone(),
            name,
            acronym: fields.get("acronym").map(str::to_owned),
            kind,
            country,
            source: None,
        };
        Ok(Built {
            command: Command::Organisation(command.into()),
            then: format!("/organisations/{}", enc(&id)),
            aliases: vec![],
        })
    }
}

// ---- partnership ----

pub struct PartnershipForm;
pub const PARTNERSHIP: PartnershipForm = PartnershipForm;
const PARTIES: usize = 4;

impl FormSpec for PartnershipForm {
    fn title(&self, l: Lang, _: &ReadModel, _: Option<&str>) -> Option<String> {
        Some(
            l.t("Record a partnership", "Enregistrer un partenariat")
                .to_owned(),
        )
    }

    fn defaults(&self, _: &ReadModel, _: Option<&str>, query: &[(String, String)]) -> Fields {
        let mut f = Fields::default().with("status", "SIGNED");
        if let Some(p) = param(query, "party") {
            f.set("party1", p);
        }
        f
    }

    fn body(&self, f: &Form<'_>, model: &ReadModel, _: Option<&str>) -> Markup {
        let l = f.lang;
        let all_orgs = || org_options(model);
        let orgs: Choices<'_> = (model.organisations(None, None).len(), &all_orgs);
        let statuses: Vec<(String, String)> = PartnershipStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), l.partnership_status(*s).to_owned()))
            .collect();
        let natures: Vec<(String, String)> = PartnershipNature::ALL
            .iter()
            .map(|n| (n.as_str().to_owned(), l.nature(*n).to_owned()))
            .collect();
        html! {
            (f.input("title", l.t("Title", "Intitulé"), "text", true, None))
            fieldset {
                legend { (l.t("Parties (two or more)", "Parties (deux ou plus)")) }
                div.grid2 {
                    @for i in 1..=PARTIES {
                        (choose(f, &format!("party{i}"), &format!("{} {i}", l.t("Party", "Partie")), orgs, i <= 2))
                    }
                }
            }
            (f.select("status", l.t("Status", "Statut"), &statuses, true, None))
            (f.input("signedOn", l.t("Signed on", "Signé le"), "date", false, None))
            (f.checks("themes", l.t("Themes", "Thèmes"), &theme_options(l)))
            (f.checks("nature", l.t("Nature", "Nature"), &natures))
            (f.checks("priorityIds", l.t("Roadmap priorities", "Priorités de la feuille de route"), &priority_options(model, None)))
        }
    }

    fn build(
        &self,
        l: Lang,
        _: &ReadModel,
        _: Option<&str>,
        fields: &Fields,
        command_id: &str,
    ) -> Result<Built, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = required_text(l, fields, "title", &mut errors);
        let mut parties = Vec::new();
        let mut aliases = Vec::new();
        for i in 1..=PARTIES {
            if let Some(p) = fields.get(&format!("party{i}")) {
                aliases.push((format!("partyIds[{}]", parties.len()), format!("party{i}")));
                parties.push(p.to_owned());
            }
        }
        aliases.push(("partyIds".into(), "party1".into()));
        if parties.len() < 2 {
            errors.push(FieldError::new(
                if fields.get("party1").is_none() {
                    "party1"
                } else {
                    "party2"
                },
                l.t(
                    "Choose at least two parties.",
                    "Choisissez au moins deux parties.",
                ),
            ));
        }
        let status = parse_enum(
            PartnershipStatus::ALL,
            PartnershipStatus::as_str,
            fields.get("status"),
        );
        if status.is_none() {
            errors.push(FieldError::new(
                "status",
                l.t("Choose one.", "Faites un choix."),
            ));
        }
        let signed_on = date_field(l, fields, "signedOn", false, &mut errors);
        let (Some(status), true) = (status, errors.is_empty()) else {
            return Err(errors);
        };
        let id = new_id(command_id, "partnership");
        let command = partnership::RecordPartnership {
            id: id.clone(),
            party_ids: parties,
            title,
            themes: themes(fields),
            nature: fields
                .all("nature")
                .into_iter()
                .filter_map(|n| {
                    parse_enum(PartnershipNature::ALL, PartnershipNature::as_str, Some(n))
                })
                .collect(),
            priority_ids: fields
                .all("priorityIds")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            status: Some(status),
            signed_on,
            source: None,
        };
        Ok(Built {
            command: Command::Partnership(command.into()),
            then: format!("/partnerships/{}", enc(&id)),
            aliases,
        })
    }
}

// ---- proposal ----

pub struct ProposalForm;
pub const PROPOSAL: ProposalForm = ProposalForm;

impl FormSpec for ProposalForm {
    fn title(&self, l: Lang, _: &ReadModel, _: Option<&str>) -> Option<String> {
        Some(
            l.t("Submit a proposal", "Soumettre une proposition")
                .to_owned(),
        )
    }

    fn defaults(&self, _: &ReadModel, _: Option<&str>, query: &[(String, String)]) -> Fields {
        let mut f = Fields::default()
            .with("submittedOn", today())
            .with("currency", "XOF");
        if let Some(d) = param(query, "donor") {
            f.set("donorId", d);
        }
        f
    }

    fn body(&self, f: &Form<'_>, model: &ReadModel, _: Option<&str>) -> Markup {
        let l = f.lang;
        let all_orgs = || org_options(model);
        let orgs: Choices<'_> = (model.organisations(None, None).len(), &all_orgs);
        html! {
            (f.input("title", l.t("Title", "Intitulé"), "text", true, None))
            div.grid2 {
                (choose(f, "applicantId", l.t("Applicant", "Demandeur"), orgs, true))
                (choose(f, "donorId", l.t("Donor", "Bailleur"), orgs, true))
            }
            div.grid2 {
                (f.input("requested", l.t("Amount requested", "Montant demandé"), "amount", false, Some(l.t("Leave empty when not known.", "Laissez vide s'il n'est pas connu."))))
                (f.select("currency", l.t("Currency", "Devise"), &currency_options(model), true, None))
            }
            (f.input("submittedOn", l.t("Submitted on", "Soumise le"), "date", true, None))
            (f.checks("themes", l.t("Themes", "Thèmes"), &theme_options(l)))
            (f.checks("priorityIds", l.t("Roadmap priorities", "Priorités de la feuille de route"), &priority_options(model, None)))
        }
    }

    fn build(
        &self,
        l: Lang,
        _: &ReadModel,
        _: Option<&str>,
        fields: &Fields,
        command_id: &str,
    ) -> Result<Built, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = required_text(l, fields, "title", &mut errors);
        let applicant = required_choice(l, fields, "applicantId", &mut errors);
        let donor = required_choice(l, fields, "donorId", &mut errors);
        let requested = amount_field(l, fields, "requested", false, &mut errors);
        let currency = currency_field(l, fields, "currency", &mut errors);
        let submitted_on = date_field(l, fields, "submittedOn", true, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let id = new_id(command_id, "proposal");
        let command = proposal::SubmitProposal {
            id: id.clone(),
            applicant_id: applicant,
            donor_id: donor,
            title,
            requested: requested.map(|a| Money::new(a, currency)),
            themes: themes(fields),
            priority_ids: fields
                .all("priorityIds")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            submitted_on,
            source: None,
        };
        Ok(Built {
            command: Command::Proposal(command.into()),
            then: format!("/proposals/{}", enc(&id)),
            aliases: vec![
                ("requested".into(), "requested".into()),
                ("requested.currency".into(), "currency".into()),
            ],
        })
    }
}

// ---- pledge ----

pub struct PledgeForm;
pub const PLEDGE: PledgeForm = PledgeForm;

/// The roadmap a pledge form is for: `?roadmap=`, else the first.
fn pledge_roadmap(model: &ReadModel, fields: &[(String, String)]) -> Option<String> {
    let asked = param(fields, "roadmap").map(str::to_owned);
    match asked {
        Some(id) => model.roadmap(&id).map(|r| r.id.as_str().to_owned()),
        None => model.roadmaps().first().map(|r| r.id.as_str().to_owned()),
    }
}

/// The allocation inputs of a pledge form (one per priority of the roadmap).
pub fn allocation_inputs(f: &Form<'_>, model: &ReadModel, roadmap: &str) -> Markup {
    let l = f.lang;
    html! {
        fieldset {
            legend { (l.t("Allocation to priorities", "Répartition par priorité")) span.muted { (l.t(" (optional)", " (facultatif)")) } }
            p.hint.muted { (l.t("In the pledge's currency; when given, they must add up exactly to the amount. Leave all empty for a pledge not allocated to a priority.",
                               "Dans la devise de l'annonce ; si vous les donnez, elles doivent totaliser exactement le montant. Laissez tout vide pour une annonce non affectée.")) }
            div.grid2 {
                @for p in model.roadmap_priorities(roadmap) {
                    (f.allocation(&format!("alloc.{}", p.id.as_str()), &format!("#{} {}", p.rank, p.title)))
                }
            }
            p.muted { (l.t("Sum of allocations:", "Somme des répartitions :")) " " output id="allocation-sum" aria-live="polite" { "0" } }
        }
    }
}

/// The allocations typed, with the aliases of their domain fields.
pub fn read_allocations(
    l: Lang,
    model: &ReadModel,
    roadmap: &str,
    fields: &Fields,
    errors: &mut Vec<FieldError>,
) -> (Vec<pledge::AllocationInput>, Vec<(String, String)>) {
    let mut out = Vec::new();
    let mut aliases = Vec::new();
    for p in model.roadmap_priorities(roadmap) {
        let name = format!("alloc.{}", p.id.as_str());
        if let Some(amount) = amount_field(l, fields, &name, false, errors) {
            aliases.push((format!("allocations[{}]", out.len()), name));
            out.push(pledge::AllocationInput {
                priority_id: p.id.as_str().to_owned(),
                amount,
            });
        }
    }
    // An amount for a priority that is not this roadmap's is refused, not
    // silently left out of the pledge.
    let ours: Vec<String> = model
        .roadmap_priorities(roadmap)
        .iter()
        .map(|p| p.id.as_str().to_owned())
        .collect();
    for (key, value) in &fields.0 {
        let Some(priority) = key.strip_prefix("alloc.") else {
            continue;
        };
        if !ours.iter().any(|p| p == priority) && !value.trim().is_empty() {
            errors.push(FieldError::new(
                key,
                l.t(
                    "This priority is not one of the pledge's roadmap.",
                    "Cette priorité n'appartient pas à la feuille de route de l'annonce.",
                ),
            ));
        }
    }
    if let Some(first) = aliases.first().map(|(_, n)| n.clone()) {
        aliases.push(("allocations".into(), first));
    }
    (out, aliases)
}

impl FormSpec for PledgeForm {
    fn title(&self, l: Lang, _: &ReadModel, _: Option<&str>) -> Option<String> {
        Some(
            l.t("Record a pledge", "Enregistrer une annonce de contribution")
                .to_owned(),
        )
    }

    fn defaults(&self, model: &ReadModel, _: Option<&str>, query: &[(String, String)]) -> Fields {
        let roadmap = pledge_roadmap(model, query).unwrap_or_default();
        let currency = model
            .roadmap(&roadmap)
            .map_or_else(|| "XOF".to_owned(), |r| r.currency.code().to_owned());
        let mut f = Fields::default()
            .with("roadmapId", roadmap)
            .with("currency", currency)
            .with("kind", "CASH")
            .with("pledgedOn", today());
        if let Some(d) = param(query, "donor") {
            f.set("donorId", d);
        }
        f
    }

    fn body(&self, f: &Form<'_>, model: &ReadModel, _: Option<&str>) -> Markup {
        let l = f.lang;
        let roadmap = f.values.get("roadmapId").unwrap_or("").to_owned();
        let roadmap_title = model
            .roadmap(&roadmap)
            .map(|r| r.title.clone())
            .unwrap_or_default();
        let all_orgs = || org_options(model);
        let orgs: Choices<'_> = (model.organisations(None, None).len(), &all_orgs);
        let kinds: Vec<(String, String)> = ContributionKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), l.contribution_kind(*k).to_owned()))
            .collect();
        let all_proposals = || {
            model
                .proposals(None, None, None)
                .iter()
                .map(|p| (p.id.as_str().to_owned(), p.title.clone()))
                .collect()
        };
        let all_partnerships = || {
            model
                .partnerships(None, None)
                .iter()
                .map(|p| (p.id.as_str().to_owned(), p.title.clone()))
                .collect()
        };
        let proposals: Choices<'_> = (model.proposals(None, None, None).len(), &all_proposals);
        let partnerships: Choices<'_> = (model.partnerships(None, None).len(), &all_partnerships);
        html! {
            p { (l.t("Roadmap:", "Feuille de route :")) " " strong { (roadmap_title) } }
            input type="hidden" name="roadmapId" value=(roadmap);
            p.hint { (l.t(
                "Leave the donor or the recipient empty when the source does not say who gives or who receives (not both).",
                "Laissez le bailleur ou le bénéficiaire vide quand la source ne dit pas qui donne ou qui reçoit (pas les deux).",
            )) }
            div.grid2 {
                (choose(f, "donorId", l.t("Donor", "Bailleur"), orgs, false))
                (choose(f, "recipientId", l.t("Recipient", "Bénéficiaire"), orgs, false))
            }
            div.grid2 {
                (f.select("kind", l.t("Kind of contribution", "Nature de la contribution"), &kinds, true, None))
                (f.input("pledgedOn", l.t("Pledged on", "Annoncé le"), "date", true, None))
            }
            div.grid2 {
                (f.input("amount", l.t("Amount", "Montant"), "amount", false, Some(l.t("Leave empty when the value was not reported: the pledge is then counted as unvalued, never as zero.", "Laissez vide si la valeur n'a pas été communiquée : l'annonce est alors comptée comme non chiffrée, jamais comme zéro."))))
                (f.select("currency", l.t("Currency", "Devise"), &currency_options(model), true, None))
            }
            (allocation_inputs(f, model, &roadmap))
            div.grid2 {
                (f.input("quantity.count", l.t("Quantity (in kind)", "Quantité (en nature)"), "number", false, None))
                (f.input("quantity.unit", l.t("Unit", "Unité"), "text", false, Some(l.t("e.g. motorcycles", "par ex. motos"))))
            }
            (f.checks("themes", l.t("Themes", "Thèmes"), &theme_options(l)))
            div.grid2 {
                (choose(f, "proposalId", l.t("Following the proposal", "Suite à la proposition"), proposals, false))
                (choose(f, "partnershipId", l.t("Under the partnership", "Dans le cadre du partenariat"), partnerships, false))
            }
            (f.textarea("description", l.t("Description", "Description"), false, None))
            (source_inputs(f, model))
        }
    }

    fn build(
        &self,
        l: Lang,
        model: &ReadModel,
        _: Option<&str>,
        fields: &Fields,
        command_id: &str,
    ) -> Result<Built, Vec<FieldError>> {
        let mut errors = Vec::new();
        let roadmap = fields.get("roadmapId").unwrap_or("").to_owned();
        let donor = fields.get("donorId").map(str::to_owned);
        let recipient = fields.get("recipientId").map(str::to_owned);
        if donor.is_none() && recipient.is_none() {
            for field in ["donorId", "recipientId"] {
                errors.push(FieldError::new(
                    field,
                    l.t(
                        "Choose the donor, the recipient or both.",
                        "Choisissez le bailleur, le bénéficiaire ou les deux.",
                    ),
                ));
            }
        }
        let source = source_field(l, fields, &mut errors);
        let kind = parse_enum(
            ContributionKind::ALL,
            ContributionKind::as_str,
            fields.get("kind"),
        )
        .unwrap_or(ContributionKind::Cash);
        let pledged_on = date_field(l, fields, "pledgedOn", true, &mut errors);
        let amount = amount_field(l, fields, "amount", false, &mut errors);
        let currency = currency_field(l, fields, "currency", &mut errors);
        let (allocations, mut aliases) = read_allocations(l, model, &roadmap, fields, &mut errors);
        let quantity = match (fields.get("quantity.count"), fields.get("quantity.unit")) {
            (None, None) => None,
            (count, unit) => {
                match count.map(|c| c.replace([' ', '\u{202F}', '\u{A0}'], "").parse::<i64>()) {
                    Some(Ok(count)) => Some(pledge::QuantityInput {
                        count,
                        unit: unit.unwrap_or("").to_owned(),
                    }),
                    _ => {
                        errors.push(FieldError::new(
                            "quantity.count",
                            l.t("Enter a whole number.", "Saisissez un nombre entier."),
                        ));
                        None
                    }
                }
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        aliases.push(("amount.currency".into(), "currency".into()));
        aliases.extend(
            SOURCE_ALIASES
                .iter()
                .map(|(a, b)| ((*a).into(), (*b).into())),
        );
        let id = new_id(command_id, "pledge");
        let command = pledge::MakePledge {
            id: id.clone(),
            donor_id: donor,
            recipient_id: recipient,
            roadmap_id: roadmap,
            kind,
            amount: amount.map(|a| Money::new(a, currency)),
            quantity,
            allocations,
            priority_ids: Vec::new(),
            pledged_on,
            proposal_id: fields.get("proposalId").map(str::to_owned),
            partnership_id: fields.get("partnershipId").map(str::to_owned),
            themes: themes(fields),
            description: fields.get("description").map(str::to_owned),
            items: Vec::new(),
            beneficiaries: Vec::new(),
            status_stated: true,
            source,
        };
        Ok(Built {
            command: Command::Pledge(command.into()),
            then: format!("/pledges/{}", enc(&id)),
            aliases,
        })
    }
}
