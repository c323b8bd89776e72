//! The workload of `fundtrail-bench commands` (services/bench/src/command_path.rs),
//! the same for every peer: each client walks pledges of its own up their
//! ladder (make 1,000, commit, then 10 disbursements of 100; the rule
//! "disbursed + amount ≤ pledged" is checked on each), then the next pledge.
//! The events and the rule are shared by the peers, so that they differ only
//! in how their library loads, decides and appends.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Disbursements per pledge before the rule stops them (10 x a tenth).
pub const DISBURSEMENTS: u32 = 10;
/// What each pledge is made for, in XOF.
const PLEDGED: i64 = 1_000;
/// What each disbursement pays out.
const DISBURSED: i64 = 100;

/// The facts of a pledge, stored as JSON by every peer (serde). Payloads
/// carry what fundtrail's pledge events carry for this ladder: the pledge,
/// donor, recipient and roadmap ids, amounts and dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, disintegrate::Event)]
#[stream(PledgeEvent, [PledgeMade, PledgeCommitted, DisbursementRecorded])]
pub enum DomainEvent {
    PledgeMade {
        #[id]
        pledge_id: String,
        donor_id: String,
        recipient_id: String,
        roadmap_id: String,
        amount: Decimal,
        currency: String,
        pledged_on: String,
    },
    PledgeCommitted {
        #[id]
        pledge_id: String,
        committed_on: String,
    },
    DisbursementRecorded {
        #[id]
        pledge_id: String,
        amount: Decimal,
        disbursed_on: String,
    },
}

/// What a command asks of a pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Make,
    Commit,
    Disburse,
}

/// One command of a ladder: the pledge it is about, what it asks, and how
/// many events of that pledge the client has seen appended before it (what a
/// read of the pledge must show at least).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderCommand {
    pub pledge_id: String,
    pub action: Action,
    pub appended: u32,
}

/// Why the rule refused a command (never expected in a run: a bench bug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// A pledge as its events leave it: what the rule needs to decide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pledge {
    /// Events folded in.
    pub events: u32,
    pub made: bool,
    pub committed: bool,
    pub pledged: Decimal,
    pub disbursed: Decimal,
}

impl Pledge {
    /// Folds one event in.
    pub fn apply(&mut self, event: &DomainEvent) {
        self.events += 1;
        match event {
            DomainEvent::PledgeMade { amount, .. } => {
                self.made = true;
                self.pledged = *amount;
            }
            DomainEvent::PledgeCommitted { .. } => self.committed = true,
            DomainEvent::DisbursementRecorded { amount, .. } => self.disbursed += *amount,
        }
    }

    /// The event that `command` makes of this pledge, or why the rule
    /// refuses it: make on an existing pledge, commit or disburse on an
    /// unknown one, commit twice, disburse beyond what is pledged.
    pub fn decide(&self, command: &LadderCommand) -> Result<DomainEvent, Refused> {
        let pledge_id = command.pledge_id.clone();
        let unknown = || Refused(format!("{pledge_id}: no such pledge"));
        match command.action {
            Action::Make if self.made => Err(Refused(format!("{pledge_id}: already made"))),
            Action::Make => Ok(DomainEvent::PledgeMade {
                pledge_id,
                donor_id: "donor".into(),
                recipient_id: "gov".into(),
                roadmap_id: "rm".into(),
                amount: Decimal::from(PLEDGED),
                currency: "XOF".into(),
                pledged_on: "2024-03-01".into(),
            }),
            Action::Commit if !self.made => Err(unknown()),
            Action::Commit if self.committed => {
                Err(Refused(format!("{pledge_id}: already committed")))
            }
            Action::Commit => Ok(DomainEvent::PledgeCommitted {
                pledge_id,
                committed_on: "2024-03-02".into(),
            }),
            Action::Disburse if !self.made => Err(unknown()),
            Action::Disburse => {
                let amount = Decimal::from(DISBURSED);
                if self.disbursed + amount > self.pledged {
                    return Err(Refused(format!(
                        "{pledge_id}: {} disbursed + {amount} > {} pledged",
                        self.disbursed, self.pledged
                    )));
                }
                Ok(DomainEvent::DisbursementRecorded {
                    pledge_id,
                    amount,
                    disbursed_on: "2024-03-03".into(),
                })
            }
        }
    }
}

/// The next command of one client's ladder (as `Ladder` in command_path.rs).
pub struct Ladder {
    client: String,
    pledge: u64,
    step: u32,
}

impl Ladder {
    pub fn new(client: String) -> Self {
        Self {
            client,
            pledge: 0,
            step: 0,
        }
    }

    pub fn next_command(&mut self) -> LadderCommand {
        let pledge_id = format!("{}-p{}", self.client, self.pledge);
        let action = match self.step {
            0 => Action::Make,
            1 => Action::Commit,
            _ => Action::Disburse,
        };
        let appended = self.step;
        self.step += 1;
        if self.step >= 2 + DISBURSEMENTS {
            self.step = 0;
            self.pledge += 1;
        }
        LadderCommand {
            pledge_id,
            action,
            appended,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ladder_is_accepted_to_its_top_and_the_next_disbursement_refused() {
        let mut ladder = Ladder::new("c".into());
        let mut pledge = Pledge::default();
        for _ in 0..2 + DISBURSEMENTS {
            let command = ladder.next_command();
            assert_eq!(command.pledge_id, "c-p0");
            assert_eq!(command.appended, pledge.events);
            let event = pledge.decide(&command).expect("accepted");
            pledge.apply(&event);
        }
        assert_eq!(pledge.disbursed, pledge.pledged);
        let one_more = LadderCommand {
            pledge_id: "c-p0".into(),
            action: Action::Disburse,
            appended: pledge.events,
        };
        assert!(pledge.decide(&one_more).is_err());
        assert_eq!(
            ladder.next_command(),
            LadderCommand {
                pledge_id: "c-p1".into(),
                action: Action::Make,
                appended: 0,
            }
        );
    }

    #[test]
    fn unknown_and_existing_pledges_are_refused() {
        let unknown = Pledge::default();
        for action in [Action::Commit, Action::Disburse] {
            let command = LadderCommand {
                pledge_id: "x".into(),
                action,
                appended: 0,
            };
            assert!(unknown.decide(&command).is_err());
        }
        let mut made = Pledge::default();
        let make = LadderCommand {
            pledge_id: "x".into(),
            action: Action::Make,
            appended: 0,
        };
        made.apply(&unknown.decide(&make).expect("made"));
        assert!(made.decide(&make).is_err());
    }
}
