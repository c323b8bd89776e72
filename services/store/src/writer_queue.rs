//! The hand-off from callers to a backend's one writer, the same in every
//! backend: an append goes on a queue with a one-shot reply ([`AppendQueue`]),
//! the writer takes what is waiting into a group ([`Grouper`], bounded by
//! [`GroupLimits`]), writes the group at once and answers every append of it
//! ([`Group::answer`]).
//!
//! What stays in each backend is what differs between them: the channel
//! (a thread's `std::sync::mpsc` for SQLite, whose writer waits with a
//! timeout; tokio's unbounded channel for the async writers), the writer's
//! own jobs besides appends (SQLite: a restore, shutdown), how long a writer
//! waits for more appends (SQLite's linger: the `more` function given to
//! [`Grouper::gather`]) and, of course, the write.
//!
//! Per append this costs what a hand-written hand-off costs: one one-shot
//! channel and one send; a group's requests and replies are pushed straight
//! into its two vectors.

use std::convert::Infallible;
use std::sync::Mutex;

use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;
use crate::types::{AppendOutcome, AppendRequest};

/// Where one append's answer goes.
pub type Reply = oneshot::Sender<Result<AppendOutcome, StoreError>>;

/// One append waiting for the writer: the request and where its answer goes.
pub struct Pending {
    pub request: AppendRequest,
    pub reply: Reply,
}

/// What a writer receives: an append, or one of its own jobs `C` (none for
/// a writer that only appends).
#[allow(
    clippy::large_enum_variant,
    reason = "appends are the hot path: boxing one would cost an allocation per append"
)]
pub enum Job<C = Infallible> {
    Append(Pending),
    Control(C),
}

/// The sending half of a channel of jobs.
pub trait JobSender<J>: Send + Sync {
    /// Sends `job`; `false` when the writer is gone.
    fn send_job(&self, job: J) -> bool;
}

impl<J: Send> JobSender<J> for std::sync::mpsc::Sender<J> {
    fn send_job(&self, job: J) -> bool {
        self.send(job).is_ok()
    }
}

impl<J: Send> JobSender<J> for mpsc::UnboundedSender<J> {
    fn send_job(&self, job: J) -> bool {
        self.send(job).is_ok()
    }
}

/// The writer's queue as the store's clones share it: open until
/// [`AppendQueue::close`], after which every append is `StoreError::Closed`.
pub struct AppendQueue<S> {
    sender: Mutex<Option<S>>,
}

impl<S> AppendQueue<S> {
    pub fn new(sender: S) -> Self {
        AppendQueue {
            sender: Mutex::new(Some(sender)),
        }
    }

    /// Hands `job` to the writer.
    pub fn send<J>(&self, job: J) -> Result<(), StoreError>
    where
        S: JobSender<J>,
    {
        let sender = self.sender.lock().expect("append queue lock poisoned");
        let sender = sender.as_ref().ok_or(StoreError::Closed)?;
        if sender.send_job(job) {
            Ok(())
        } else {
            Err(StoreError::Closed)
        }
    }

    /// Validates `request`, queues it and waits for the writer's answer.
    pub async fn append<C>(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError>
    where
        S: JobSender<Job<C>>,
    {
        request.validate()?;
        let (reply, answer) = oneshot::channel();
        self.send(Job::Append(Pending { request, reply }))?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Closes the queue and gives back its sender (to send a last job, or
    /// drop it so that the writer ends once it has written what is queued).
    pub fn close(&self) -> Option<S> {
        self.sender
            .lock()
            .expect("append queue lock poisoned")
            .take()
    }
}

/// A bound on a group's size in bytes, as `size` estimates an append's.
#[derive(Debug, Clone, Copy)]
pub struct ByteBudget {
    pub max_bytes: usize,
    pub size: fn(&AppendRequest) -> usize,
}

/// Bounds on one group.
#[derive(Debug, Clone, Copy)]
pub struct GroupLimits {
    /// A group takes no more appends once it holds this many.
    pub max_requests: usize,
    /// A group takes no more appends once it holds this many events.
    pub max_events: usize,
    /// With a byte budget the event and byte bounds are hard: an append that
    /// would take a group past either starts the next group instead (alone
    /// when it is larger than the budget). Without one, the append that
    /// reaches `max_events` is the group's last and may pass it.
    pub bytes: Option<ByteBudget>,
}

impl GroupLimits {
    pub fn new(max_requests: usize, max_events: usize) -> Self {
        GroupLimits {
            max_requests: max_requests.max(1),
            max_events: max_events.max(1),
            bytes: None,
        }
    }

    pub fn with_byte_budget(mut self, budget: ByteBudget) -> Self {
        self.bytes = Some(budget);
        self
    }
}

/// The appends a writer writes at once, in arrival order.
#[derive(Default)]
pub struct Group {
    requests: Vec<AppendRequest>,
    replies: Vec<Reply>,
    events: usize,
    bytes: usize,
}

impl Group {
    pub fn requests(&self) -> &[AppendRequest] {
        &self.requests
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// How many events the group's appends hold.
    pub fn events(&self) -> usize {
        self.events
    }

    fn push(&mut self, pending: Pending, bytes: usize) {
        self.events += pending.request.events.len();
        self.bytes += bytes;
        self.requests.push(pending.request);
        self.replies.push(pending.reply);
    }

    /// Answers every append: each its own outcome (in the group's order),
    /// or all the same error when the group failed as a whole.
    pub fn answer(self, result: Result<Vec<Result<AppendOutcome, StoreError>>, StoreError>) {
        match result {
            Ok(outcomes) => {
                for (reply, outcome) in self.replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                for reply in self.replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// A group and the writer job that ended it, if one did (it comes after
/// the group: write the group first).
pub struct Batch<C> {
    pub group: Group,
    pub then: Option<C>,
}

/// Takes waiting appends into groups within [`GroupLimits`].
pub struct Grouper {
    limits: GroupLimits,
    /// The append that did not fit the last group: it starts the next one.
    held: Option<Pending>,
}

impl Grouper {
    pub fn new(limits: GroupLimits) -> Self {
        Grouper { limits, held: None }
    }

    /// The append held back from the last group, which starts the next one.
    pub fn take_held<C>(&mut self) -> Option<Job<C>> {
        self.held.take().map(Job::Append)
    }

    fn size(&self, request: &AppendRequest) -> usize {
        self.limits.bytes.map_or(0, |b| (b.size)(request))
    }

    fn is_full(&self, group: &Group) -> bool {
        group.len() >= self.limits.max_requests || group.events >= self.limits.max_events
    }

    fn fits(&self, group: &Group, request: &AppendRequest, bytes: usize) -> bool {
        match self.limits.bytes {
            Some(budget) => {
                group.is_empty()
                    || (group.bytes + bytes <= budget.max_bytes
                        && group.events + request.events.len() <= self.limits.max_events)
            }
            None => true,
        }
    }

    /// A group from `first` and the jobs `more` yields (given the group so
    /// far; `None`: nothing more for this group), until the group is full,
    /// `more` has nothing, or a writer job arrives. An append that does not
    /// fit is held for the next group ([`Grouper::take_held`]).
    pub fn gather<C>(
        &mut self,
        first: Job<C>,
        mut more: impl FnMut(&Group) -> Option<Job<C>>,
    ) -> Batch<C> {
        let mut group = Group::default();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Append(pending) => {
                    let bytes = self.size(&pending.request);
                    if !self.fits(&group, &pending.request, bytes) {
                        self.held = Some(pending);
                        break;
                    }
                    group.push(pending, bytes);
                }
                Job::Control(control) => {
                    return Batch {
                        group,
                        then: Some(control),
                    };
                }
            }
            if self.is_full(&group) {
                break;
            }
            next = more(&group);
        }
        Batch { group, then: None }
    }
}

/// The receiving half for a writer task: the next group of what is
/// waiting, without waiting for more.
pub struct GroupReceiver<C = Infallible> {
    jobs: mpsc::UnboundedReceiver<Job<C>>,
    grouper: Grouper,
}

/// An async writer's queue: the shared sending half and its receiver.
pub fn unbounded<C>(
    limits: GroupLimits,
) -> (AppendQueue<mpsc::UnboundedSender<Job<C>>>, GroupReceiver<C>) {
    let (sender, jobs) = mpsc::unbounded_channel();
    (
        AppendQueue::new(sender),
        GroupReceiver {
            jobs,
            grouper: Grouper::new(limits),
        },
    )
}

impl<C> GroupReceiver<C> {
    /// Waits for a first job, then takes every other one already waiting
    /// into its group; `None` once the queue is closed and empty.
    pub async fn next(&mut self) -> Option<Batch<C>> {
        let first = match self.grouper.take_held() {
            Some(held) => held,
            None => self.jobs.recv().await?,
        };
        let jobs = &mut self.jobs;
        Some(self.grouper.gather(first, |_| jobs.try_recv().ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ExpectedVersion, NewEvent};

    fn pending(
        events: usize,
    ) -> (
        Pending,
        oneshot::Receiver<Result<AppendOutcome, StoreError>>,
    ) {
        let (reply, answer) = oneshot::channel();
        let request = AppendRequest::new(
            "s",
            ExpectedVersion::Any,
            (0..events)
                .map(|_| NewEvent::new("E", 1, "{}".into()))
                .collect(),
        );
        (Pending { request, reply }, answer)
    }

    fn appends(sizes: &[usize]) -> Vec<Job> {
        sizes.iter().map(|&n| Job::Append(pending(n).0)).collect()
    }

    fn sizes(group: &Group) -> Vec<usize> {
        group.requests().iter().map(|r| r.events.len()).collect()
    }

    #[test]
    fn a_group_takes_what_waits_up_to_its_limits() {
        let mut grouper = Grouper::new(GroupLimits::new(3, 100));
        let mut jobs = appends(&[1, 2, 3, 4]).into_iter();
        let first = jobs.next().unwrap();
        let batch = grouper.gather(first, |_| jobs.next());
        assert_eq!(sizes(&batch.group), [1, 2, 3]);
        assert_eq!(batch.group.events(), 6);

        // Without a byte budget the append that reaches max_events is the last.
        let mut grouper = Grouper::new(GroupLimits::new(10, 4));
        let mut jobs = appends(&[1, 5, 1]).into_iter();
        let first = jobs.next().unwrap();
        assert_eq!(sizes(&grouper.gather(first, |_| jobs.next()).group), [1, 5]);
    }

    #[test]
    fn with_a_byte_budget_an_append_that_does_not_fit_starts_the_next_group() {
        let budget = ByteBudget {
            max_bytes: 10,
            size: |r| r.events.len() * 3,
        };
        let mut grouper = Grouper::new(GroupLimits::new(10, 100).with_byte_budget(budget));
        let mut jobs = appends(&[2, 1, 2, 5, 1]).into_iter();
        let first = jobs.next().unwrap();
        let one = grouper.gather(first, |_| jobs.next());
        assert_eq!(sizes(&one.group), [2, 1]);
        let held = grouper.take_held().unwrap();
        let two = grouper.gather(held, |_| jobs.next());
        assert_eq!(sizes(&two.group), [2]);
        // Larger than the budget: alone.
        let held = grouper.take_held().unwrap();
        let three = grouper.gather(held, |_| jobs.next());
        assert_eq!(sizes(&three.group), [5]);
    }

    #[test]
    fn a_writer_job_ends_the_group_and_comes_after_it() {
        let mut grouper = Grouper::new(GroupLimits::new(10, 100));
        let mut jobs = vec![Job::Append(pending(1).0), Job::Control("restore")].into_iter();
        let first = Job::Append(pending(1).0);
        let batch = grouper.gather(first, |_| jobs.next());
        assert_eq!(batch.group.len(), 2);
        assert_eq!(batch.then, Some("restore"));
    }

    #[tokio::test]
    async fn answers_reach_each_append_and_a_closed_queue_refuses() {
        let (queue, mut receiver) = unbounded::<Infallible>(GroupLimits::new(10, 100));
        let appending = tokio::spawn(async move {
            let request = AppendRequest::new(
                "s",
                ExpectedVersion::Any,
                vec![NewEvent::new("E", 1, "{}".into())],
            );
            let answer = queue.append(request.clone()).await;
            queue.close();
            (answer, queue.append(request).await)
        });
        let batch = receiver.next().await.unwrap();
        assert_eq!(batch.group.len(), 1);
        batch.group.answer(Err(StoreError::backend("down")));
        let (answer, closed) = appending.await.unwrap();
        assert!(matches!(answer, Err(StoreError::Backend(_))));
        assert!(matches!(closed, Err(StoreError::Closed)));
        assert!(receiver.next().await.is_none());
    }
}
