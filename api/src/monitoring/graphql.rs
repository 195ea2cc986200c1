//! `referralDelays`, `overdueReferrals`, the alert thresholds, and the report's types — a thin
//! rendering of `service`'s report. Every figure's description is its written definition from
//! `domain::monitoring` (a test compares the schema with it).

use async_graphql::{Context, Enum, ID, Object, SimpleObject, connection::Connection};
use domain::monitoring::{self as figures_def, AlertThresholds, Figures};
use time::{Date, OffsetDateTime};

use crate::{
    directory::graphql::{self as directory_graphql, Organisation, Service},
    error::ApiResult,
    graphql::context::{CtxExt, connection},
    monitoring::service::{self, ReportRequest},
    referrals::graphql::{DeclineReason, Outcome, Referral},
    service::{lookup_id, optional_input_id},
    store::PageRequest,
};

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The figures of the referrals sent during the period (days are working days: weekends and
/// French public holidays do not count; rates go from 0 to 1, null without a base).
pub struct DelayFigures(Figures);

#[Object]
impl DelayFigures {
    /// Orientations envoyées — Nombre d'orientations envoyées pendant la période.
    async fn sent(&self) -> i32 {
        int(self.0.sent)
    }
    /// En cours — Parmi elles, celles qui ne sont aujourd'hui ni terminées, ni refusées, ni réorientées, ni annulées.
    async fn open(&self) -> i32 {
        int(self.0.open)
    }
    /// En retard — Parmi les orientations en cours, celles dont l'échéance est dépassée aujourd'hui, hors attente d'informations (l'horloge est alors arrêtée).
    async fn overdue(&self) -> i32 {
        int(self.0.overdue)
    }
    /// Avec une première réponse — Orientations auxquelles le destinataire a répondu au moins une fois : prise en compte, demande d'informations, acceptation, refus ou réorientation.
    async fn acknowledged(&self) -> i32 {
        int(self.0.acknowledged())
    }
    /// Acceptées — Orientations que le destinataire a acceptées, qu'elles aient été terminées ou annulées depuis.
    async fn accepted(&self) -> i32 {
        int(self.0.accepted)
    }
    /// Refusées — Orientations refusées par le destinataire.
    async fn declined(&self) -> i32 {
        int(self.0.declined)
    }
    /// Réorientées — Orientations que le destinataire a réorientées vers le service d'un autre partenaire (la nouvelle orientation est comptée chez celui-ci).
    async fn redirected(&self) -> i32 {
        int(self.0.redirected)
    }
    /// Annulées — Orientations annulées par l'organisation qui les a envoyées, ou par le retrait du consentement.
    async fn cancelled(&self) -> i32 {
        int(self.0.cancelled)
    }
    /// Terminées — Orientations clôturées par le destinataire avec un résultat.
    async fn completed(&self) -> i32 {
        int(self.0.completed)
    }
    /// Droits ouverts — Orientations terminées avec le résultat « Droit ouvert » : la mesure du non-recours évité.
    async fn right_opened(&self) -> i32 {
        int(self.0.right_opened)
    }
    /// Taux d'acceptation — Acceptations divisées par les décisions prises (acceptations, refus et réorientations), de 0 à 1.
    async fn acceptance_rate(&self) -> Option<f64> {
        self.0.acceptance_rate()
    }
    /// Boucle bouclée — Part des orientations terminées avec un résultat, parmi les orientations envoyées qui n'ont pas été réorientées, de 0 à 1.
    async fn loop_closed_rate(&self) -> Option<f64> {
        self.0.loop_closed_rate()
    }
    /// Réponse dans le délai — Part des orientations dont la première réponse est arrivée au plus tard à l'échéance du service, parmi celles qui ont reçu une réponse ou dont l'échéance est passée sans réponse, de 0 à 1.
    async fn answered_in_time_rate(&self) -> Option<f64> {
        self.0.answered_in_time_rate()
    }
    /// Délai médian de première réponse — Médiane, en jours ouvrés (hors week-ends et jours fériés), du délai entre l'envoi et la première réponse du destinataire.
    async fn median_days_to_acknowledge(&self) -> Option<f64> {
        self.0.first_answers.days.median()
    }
    /// Délai de première réponse (9 sur 10) — 90e centile du même délai : 9 orientations sur 10 ont reçu leur première réponse en au plus ce nombre de jours ouvrés.
    #[graphql(name = "p90DaysToAcknowledge")]
    async fn p90_days_to_acknowledge(&self) -> Option<f64> {
        self.0.first_answers.days.p90()
    }
    /// Délai médian de décision — Médiane, en jours ouvrés, du délai entre l'envoi et la décision (acceptation, refus ou réorientation), horloge arrêtée pendant l'attente d'informations.
    async fn median_days_to_decision(&self) -> Option<f64> {
        self.0.days_to_decision.median()
    }
    /// Délai de décision (9 sur 10) — 90e centile du délai de décision, en jours ouvrés, horloge arrêtée pendant l'attente d'informations.
    #[graphql(name = "p90DaysToDecision")]
    async fn p90_days_to_decision(&self) -> Option<f64> {
        self.0.days_to_decision.p90()
    }
    /// Délai médian de clôture — Médiane, en jours ouvrés, du délai entre l'envoi et la clôture avec un résultat, horloge arrêtée pendant l'attente d'informations.
    async fn median_days_to_completion(&self) -> Option<f64> {
        self.0.days_to_completion.median()
    }
    /// Délai de clôture (9 sur 10) — 90e centile du délai de clôture, en jours ouvrés, horloge arrêtée pendant l'attente d'informations.
    #[graphql(name = "p90DaysToCompletion")]
    async fn p90_days_to_completion(&self) -> Option<f64> {
        self.0.days_to_completion.p90()
    }
    /// Motifs de refus — Nombre d'orientations refusées, par motif codé.
    async fn decline_reasons(&self) -> Vec<DeclineReasonCount> {
        self.0
            .decline_reasons
            .iter()
            .map(|(reason, n)| DeclineReasonCount {
                reason: (*reason).into(),
                count: int(*n),
            })
            .collect()
    }
    /// Résultats — Nombre d'orientations terminées, par résultat.
    async fn outcomes(&self) -> Vec<OutcomeCount> {
        self.0
            .outcomes
            .iter()
            .map(|(outcome, n)| OutcomeCount {
                outcome: (*outcome).into(),
                count: int(*n),
            })
            .collect()
    }
    /// Chaînes de réorientation — Nombre d'orientations non réorientées, selon la longueur de la chaîne qui les a amenées là (1 : reçue directement ; 2 : après une réorientation…).
    async fn redirect_chains(&self) -> Vec<ChainLengthCount> {
        self.0
            .chain_lengths
            .iter()
            .map(|(length, n)| ChainLengthCount {
                length: i32::try_from(length).unwrap_or(i32::MAX),
                count: int(n),
            })
            .collect()
    }
}

#[derive(SimpleObject)]
pub struct DeclineReasonCount {
    reason: DeclineReason,
    count: i32,
}

#[derive(SimpleObject)]
pub struct OutcomeCount {
    outcome: Outcome,
    count: i32,
}

#[derive(SimpleObject)]
pub struct ChainLengthCount {
    /// Referrals in the chain (1: sent there directly).
    length: i32,
    count: i32,
}

/// Why an organisation is flagged.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::monitoring::Alert")]
pub enum MonitoringAlert {
    /// More of its referrals were answered late (or not by their due date) than the threshold.
    LateAnswers,
    /// Fewer of its decisions were acceptances than the threshold.
    LowAcceptance,
}

pub struct ServiceDelays(service::ServiceDelays);

#[Object]
impl ServiceDelays {
    async fn service(&self, ctx: &Context<'_>) -> ApiResult<Service> {
        directory_graphql::service(ctx, domain::ServiceId::from_uuid(self.0.service.id)).await
    }
    async fn figures(&self) -> DelayFigures {
        DelayFigures(self.0.figures.clone())
    }
}

pub struct OrganisationDelays(service::OrganisationDelays);

#[Object]
impl OrganisationDelays {
    /// The receiving organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_graphql::organisation(
            ctx,
            domain::OrganisationId::from_uuid(self.0.organisation.id),
        )
        .await
    }
    async fn figures(&self) -> DelayFigures {
        DelayFigures(self.0.figures.clone())
    }
    /// Its services that received referrals in the period, by name.
    async fn services(&self) -> Vec<ServiceDelays> {
        self.0.services.iter().cloned().map(ServiceDelays).collect()
    }
    /// En alerte — L'organisation dépasse un seuil d'alerte du territoire (part des réponses en retard, ou taux d'acceptation), sur au moins le nombre minimal d'orientations fixé.
    async fn flagged(&self) -> bool {
        self.0.flagged()
    }
    /// The thresholds it crosses.
    async fn alerts(&self) -> Vec<MonitoringAlert> {
        self.0.alerts.iter().map(|a| (*a).into()).collect()
    }
    /// The escalations its back office received in the period (null when none).
    async fn escalations(&self) -> Option<crate::escalations::graphql::EscalationFigures> {
        self.0
            .escalations
            .clone()
            .map(crate::escalations::graphql::EscalationFigures)
    }
}

/// What happened during one week of the period.
pub struct WeeklyFigures(service::WeeklyFigures);

#[Object]
impl WeeklyFigures {
    /// Semaine du — Le lundi de la semaine.
    async fn week_start(&self) -> Date {
        self.0.week_start
    }
    /// Envoyées — Orientations envoyées pendant la semaine.
    async fn sent(&self) -> i32 {
        int(self.0.sent)
    }
    /// Premières réponses — Orientations qui ont reçu leur première réponse pendant la semaine.
    async fn acknowledged(&self) -> i32 {
        int(self.0.acknowledged)
    }
    /// Terminées — Orientations clôturées avec un résultat pendant la semaine.
    async fn completed(&self) -> i32 {
        int(self.0.completed)
    }
    /// Droits ouverts — Orientations clôturées pendant la semaine avec le résultat « Droit ouvert ».
    async fn right_opened(&self) -> i32 {
        int(self.0.right_opened)
    }
    /// Délai médian de première réponse — Médiane, en jours ouvrés, des délais des premières réponses données pendant la semaine.
    async fn median_days_to_acknowledge(&self) -> Option<f64> {
        self.0.median_days_to_acknowledge
    }
}

/// The territory's alert thresholds on partners.
#[derive(SimpleObject)]
pub struct MonitoringSettings {
    /// An organisation is flagged when more than this percentage of its referrals were answered
    /// late, or not by their due date.
    late_percent_above: i32,
    /// … or when fewer than this percentage of its decisions were acceptances.
    acceptance_percent_below: i32,
    /// A rate is judged only over at least this many referrals.
    min_referrals: i32,
}

impl From<AlertThresholds> for MonitoringSettings {
    fn from(t: AlertThresholds) -> Self {
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            late_percent_above: n(t.late_percent_above),
            acceptance_percent_below: n(t.acceptance_percent_below),
            min_referrals: n(t.min_referrals),
        }
    }
}

/// Delays and outcomes of the referrals sent during a period, per receiving organisation and
/// service, with a weekly series. No person data: counts, delays, names of organisations and
/// services.
pub struct DelayReport(service::DelayReport);

#[Object]
impl DelayReport {
    /// First day of the period (referrals sent from that day on).
    async fn from(&self) -> Date {
        self.0.from
    }
    /// Last day of the period, included.
    async fn to(&self) -> Date {
        self.0.to
    }
    /// The whole of what the report covers.
    async fn totals(&self) -> DelayFigures {
        DelayFigures(self.0.totals.clone())
    }
    /// Each receiving organisation, by name.
    async fn organisations(&self) -> Vec<OrganisationDelays> {
        self.0
            .organisations
            .iter()
            .cloned()
            .map(OrganisationDelays)
            .collect()
    }
    /// One entry per week (starting on Monday) of the period.
    async fn weekly(&self) -> Vec<WeeklyFigures> {
        self.0.weekly.iter().cloned().map(WeeklyFigures).collect()
    }
    /// The thresholds organisations were flagged by.
    async fn thresholds(&self) -> MonitoringSettings {
        self.0.thresholds.into()
    }
    /// When the report was computed: what is open and overdue is counted at that moment.
    async fn computed_at(&self) -> OffsetDateTime {
        self.0.at
    }
}

#[derive(Default)]
pub struct MonitoringQuery;

fn optional_id<T: std::str::FromStr>(field: &str, id: Option<&ID>) -> ApiResult<Option<T>> {
    optional_input_id(field, id.map(|i| i.0.as_str()))
}

#[Object]
impl MonitoringQuery {
    /// Delays and outcomes of the referrals sent from `from` to `to` (by default the last 52
    /// weeks), for the territory (coordinators and tenant admins) or one receiving organisation
    /// or service (also that organisation's admins).
    async fn referral_delays(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
        organisation_id: Option<ID>,
        service_id: Option<ID>,
    ) -> ApiResult<DelayReport> {
        let organisation = organisation_id
            .as_ref()
            .map(|id| lookup_id(&id.0))
            .transpose()?;
        let service = service_id.as_ref().map(|id| lookup_id(&id.0)).transpose()?;
        let request = ReportRequest {
            from,
            to,
            organisation,
            service,
        };
        Ok(DelayReport(
            service::report(&ctx.service()?, request).await?,
        ))
    }

    /// Open referrals past their due date, the oldest due first: the territory's, or one
    /// receiving organisation's. Metadata only (`person` and `motive` are null).
    async fn overdue_referrals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        organisation_id: Option<ID>,
    ) -> ApiResult<Connection<String, Referral>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let organisation = optional_id("organisationId", organisation_id.as_ref())?;
        let found = service::overdue(&ctx.service()?, organisation, &page).await?;
        Ok(connection(found, Referral))
    }

    /// The territory's alert thresholds on partners.
    async fn monitoring_settings(&self, ctx: &Context<'_>) -> ApiResult<MonitoringSettings> {
        Ok(service::thresholds(&ctx.service()?).await?.into())
    }
}

#[derive(Default)]
pub struct MonitoringMutation;

#[Object]
impl MonitoringMutation {
    /// Sets the territory's alert thresholds (coordinators, tenant admins): percentages from 0
    /// to 100, and a minimum of 1 to 1,000 referrals.
    async fn update_monitoring_settings(
        &self,
        ctx: &Context<'_>,
        late_percent_above: i32,
        acceptance_percent_below: i32,
        min_referrals: i32,
    ) -> ApiResult<MonitoringSettings> {
        let ctx = ctx.service()?;
        let set = service::set_thresholds(
            &ctx,
            late_percent_above,
            acceptance_percent_below,
            min_referrals,
        );
        Ok(set.await?.into())
    }
}

/// The text of a figure's description in the schema: its label, then its definition.
pub fn description(d: &figures_def::Definition) -> String {
    format!("{} — {}", d.label, d.definition)
}

#[cfg(test)]
mod tests {
    use super::description;
    use domain::monitoring::{Definition, FLAGGED, REPORT, WEEKLY};

    /// The fields of `type <name> { … }` in the SDL.
    fn block(sdl: &str, name: &str) -> String {
        let start = sdl
            .find(&format!("type {name} {{"))
            .unwrap_or_else(|| panic!("type {name} in the schema"));
        let rest = &sdl[start..];
        rest[..rest.find("\n}").expect("end of type")].to_owned()
    }

    fn check(block: &str, definitions: &[Definition]) {
        for d in definitions {
            let expected = format!("\"\"\"\n\t{}\n\t\"\"\"\n\t{}", description(d), d.key);
            assert!(
                block.contains(&expected),
                "the schema's description of `{}` is not its written definition:\n{expected}",
                d.key
            );
        }
    }

    /// What partners read in the schema is what the dashboard's legend and the CSV say.
    #[test]
    fn every_figure_is_described_by_its_written_definition() {
        let sdl = crate::graphql::sdl();
        check(&block(&sdl, "DelayFigures"), REPORT);
        check(&block(&sdl, "WeeklyFigures"), WEEKLY);
        check(&block(&sdl, "OrganisationDelays"), &[FLAGGED]);
    }
}
