using Akka.Actor;
using DistNN.Training.Actors.Supervision;

namespace DistNN.Training.Tests;

/// <summary>
/// A deadline's notice that comes far later than due says this process was stopped (SIGSTOP) or starved, not that a
/// server stalled: the replies may be waiting unread, so the deadline starts again instead of failing the run.
/// </summary>
public class ServerDeadlineLatenessSpec
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public void A_notice_on_time_fails_and_one_after_the_process_was_paused_restarts_the_deadline()
    {
        var now = TimeSpan.FromSeconds(100);
        var timers = new RecordingTimers();
        var deadline = new ServerDeadline(timers, s_timeout, () => now);
        deadline.Start("pull");
        var overdue = new ServerRequestOverdue("pull");

        now += s_timeout + TimeSpan.FromSeconds(0.5); // a little late, as on a busy machine
        Assert.False(deadline.RestartIfLate(overdue));
        Assert.Equal(1, timers.Started);

        deadline.Start("push of epoch 1, batch 3");
        now += s_timeout + TimeSpan.FromSeconds(20); // the notice of a process stopped for 20 s past its deadline
        Assert.True(deadline.RestartIfLate(new ServerRequestOverdue("push of epoch 1, batch 3")));
        Assert.Equal(3, timers.Started);

        now += s_timeout; // the restarted deadline is judged from its restart
        Assert.False(deadline.RestartIfLate(new ServerRequestOverdue("push of epoch 1, batch 3")));
    }

    private sealed class RecordingTimers : ITimerScheduler
    {
        public int Started { get; private set; }

        public IReadOnlyCollection<object> ActiveTimers => [];

        public void StartSingleTimer(object key, object msg, TimeSpan timeout) => Started++;

        public void StartSingleTimer(object key, object msg, TimeSpan timeout, IActorRef sender) => Started++;

        public void StartPeriodicTimer(object key, object msg, TimeSpan interval) => throw new NotSupportedException();

        public void StartPeriodicTimer(object key, object msg, TimeSpan interval, IActorRef sender) => throw new NotSupportedException();

        public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval) => throw new NotSupportedException();

        public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval, IActorRef sender) => throw new NotSupportedException();

        public bool IsTimerActive(object key) => false;

        public void Cancel(object key)
        {
        }

        public void CancelAll()
        {
        }
    }
}
