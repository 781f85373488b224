using Akka.Actor;
using Akka.Cluster;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors.Supervision;

namespace DistNN.Training.Cluster;

/// <summary>
/// The one actor a parameter-server or worker node starts itself (/user/node). It finds the coordinator through
/// cluster membership — the member with role <c>coordinator</c> that is Up, then /user/coordinator there by Identify —
/// starts this node's <see cref="Actors.ParameterServer"/> or <see cref="Actors.Worker"/> with it (they register as
/// in one process), and decides how the node ends: <see cref="LeaveCluster"/> from the coordinator (the run's exit code),
/// the coordinator terminated or removed before saying so (exit 1, or with a <see cref="CoordinatorGrace"/> the end of this
/// session: the node joins its seeds again), this node removed by the others (exit 1), or
/// <see cref="Interrupt"/> (SIGINT/SIGTERM: the coordinator is told, exit 130). A node that did not run for longer than
/// the others wait before removing it (<see cref="StallDetector"/>: SIGSTOP, swapping) and then finds the coordinator gone
/// takes itself for removed and exits 1, whatever membership news it heard first on resuming.
/// </summary>
public sealed class NodeAgent : ReceiveActor, IWithTimers
{
    public const string Name = "node";

    private sealed record RetryIdentify(Address Coordinator) : INoSerializationVerificationNeeded;

    private sealed record GraceOver : INoSerializationVerificationNeeded;

    private sealed record CheckStall : INoSerializationVerificationNeeded;

    /// <summary>How often the agent looks at the clock for a stall (well under any failure budget).</summary>
    private static readonly TimeSpan s_stallCheckEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>The node got SIGINT/SIGTERM: tell the coordinator, then the node leaves and exits 130.</summary>
    public sealed record Interrupt : INoSerializationVerificationNeeded;

    private readonly Func<IActorContext, IActorRef, IActorRef> _startMember;
    private readonly Action<string> _log;
    private readonly TaskCompletionSource<int> _exit;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly TimeSpan _grace;
    private readonly StallDetector _stall;
    private IActorRef? _coordinator;

    /// <param name="startMember">Starts the node's server or worker as a child, given the coordinator.</param>
    /// <param name="log">Where the node's lines go (its standard output).</param>
    /// <param name="exit">Completed with the node's exit code when it should leave (or <see cref="CoordinatorGrace.Lost"/>, <see cref="CoordinatorGrace.Expired"/>).</param>
    /// <param name="grace">--coordinator-grace: a lost coordinator ends this session with <see cref="CoordinatorGrace.Lost"/>; zero: exit 1.</param>
    /// <param name="rejoined">After a lost coordinator: the grace whose deadline the new coordinator must be found by.</param>
    /// <param name="clock">A monotonic clock for the stall check (a spec's own); null: the system's.</param>
    public NodeAgent(Func<IActorContext, IActorRef, IActorRef> startMember, Action<string> log, TaskCompletionSource<int> exit,
        TimeSpan grace = default, CoordinatorGrace? rejoined = null, Func<TimeSpan>? clock = null)
    {
        _startMember = startMember;
        _log = log;
        _exit = exit;
        _grace = grace;
        _stall = new StallDetector(StallDetector.BudgetFrom(Context.System.Settings.Config), clock);
        Timers.StartPeriodicTimer("stall", new CheckStall(), s_stallCheckEvery);
        if (rejoined is not null)
        {
            Timers.StartSingleTimer("grace", new GraceOver(), rejoined.Remaining > TimeSpan.Zero ? rejoined.Remaining : TimeSpan.Zero);
        }
        WaitingForCoordinator();
    }

    /// <summary>Until a member with the coordinator role is Up.</summary>
    private void WaitingForCoordinator()
    {
        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.HasRole(NodeRoles.Coordinator))
            {
                Become(() => Identifying(up.Member.Address));
            }
        });
        Common(coordinatorAddress: null);
    }

    /// <summary>Asks the coordinator's node for /user/coordinator, once a second, until it answers with the actor.</summary>
    private void Identifying(Address address)
    {
        int attempts = 0;
        void Ask()
        {
            attempts++;
            Context.ActorSelection(new RootActorPath(address) / "user" / "coordinator").Tell(new Identify(address.ToString()));
            // No answer (or an empty one) yet: the coordinator actor may not have started; ask again.
            Timers.StartSingleTimer("identify", new RetryIdentify(address), TimeSpan.FromSeconds(1));
        }
        Receive<RetryIdentify>(_ => Ask());
        Receive<ActorIdentity>(identity =>
        {
            if (identity.Subject is null)
            {
                if (attempts % 10 == 0)
                {
                    _log($"no /user/coordinator at {address} yet ({attempts} attempts); still asking");
                }
                return;
            }
            Timers.Cancel("identify");
            Timers.Cancel("grace");
            var coordinator = identity.Subject;
            _coordinator = coordinator;
            Context.Watch(coordinator);
            _startMember(Context, coordinator);
            _log($"registered {string.Join(" and ", Context.GetChildren().Select(c => c.Path.Name).Order(StringComparer.Ordinal))} with the coordinator at {coordinator.Path.Address}");
            Become(() => Running(address, coordinator));
        });
        Common(address);
        Ask();
    }

    /// <summary>This node's server or worker runs; the node ends when the coordinator says so or disappears.</summary>
    private void Running(Address address, IActorRef coordinator)
    {
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(coordinator))
            {
                Vanished($"the coordinator at {t.ActorRef.Path.Address} terminated");
            }
        });
        Receive<ActorIdentity>(_ => { });
        Common(address);
    }

    /// <summary>Every phase: the coordinator's node removed or (un)reachable, and the coordinator's word to leave.</summary>
    private void Common(Address? coordinatorAddress)
    {
        Receive<ClusterEvent.MemberDowned>(downed =>
        {
            if (downed.Member.Address.Equals(_cluster.SelfAddress))
            {
                Removed();
            }
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.Address.Equals(_cluster.SelfAddress))
            {
                Removed();
            }
            else if (removed.Member.Address.Equals(coordinatorAddress))
            {
                Vanished($"the coordinator at {removed.Member.Address} was removed from the cluster");
            }
        });
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            if (u.Member.HasRole(NodeRoles.Coordinator))
            {
                _log($"the coordinator at {u.Member.Address} is unreachable; waiting for it (or for the cluster to down it)");
            }
        });
        Receive<ClusterEvent.ReachableMember>(r =>
        {
            if (r.Member.HasRole(NodeRoles.Coordinator))
            {
                _log($"the coordinator at {r.Member.Address} is reachable again");
            }
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<GraceOver>(_ => _exit.TrySetResult(CoordinatorGrace.Expired));
        Receive<CheckStall>(_ => _stall.Check());
        Receive<LeaveCluster>(leave =>
        {
            _log(leave.Dropped ? $"{leave.Reason}; {(leave.ExitCode == 0 ? "leaving the cluster" : "exiting with an error")}"
                : $"the coordinator ended the run ({leave.Reason}); leaving the cluster");
            _exit.TrySetResult(leave.ExitCode);
        });
        Receive<Interrupt>(_ =>
        {
            // Every member this node runs (--role worker,ps runs two): a server's interruption ends the run.
            foreach (var member in Context.GetChildren())
            {
                _coordinator?.Tell(new NodeInterrupted(member));
            }
            _exit.TrySetResult(Hosting.Interruption.ExitCode);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>This node's server or worker that throws is stopped (a server never restarts empty) and fails the run with its cause.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new StopAndReportStrategy((_, _, reason) => _coordinator?.Tell(new TrainingFailed(reason)));

    public static Props Props(Func<IActorContext, IActorRef, IActorRef> startMember, Action<string> log, TaskCompletionSource<int> exit,
        TimeSpan grace = default, CoordinatorGrace? rejoined = null, Func<TimeSpan>? clock = null) =>
        Akka.Actor.Props.Create(() => new NodeAgent(startMember, log, exit, grace, rejoined, clock));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Vanished(string what)
    {
        if (_exit.Task.IsCompleted || Stalled())
        {
            return;
        }
        if (_cluster.SelfMember.Status is MemberStatus.Down or MemberStatus.Removed)
        {
            // From a node the others removed, everyone else looks removed: say what happened to this one.
            Removed();
            return;
        }
        if (_grace > TimeSpan.Zero)
        {
            _log(CoordinatorGrace.Waiting(what, _grace));
            _exit.TrySetResult(CoordinatorGrace.Lost);
            return;
        }
        _log($"{what} before it ended the run: leaving the cluster with an error");
        _exit.TrySetResult(1);
    }

    /// <summary>
    /// True (and the node exits 1) when, as the coordinator disappears from this node's view, this process has lately not
    /// run for longer than the others wait before removing a node (the agent's own timer notes such a stall): a node
    /// resumed after one sees the coordinator go too (the others are gone) and would take it for a lost coordinator to
    /// wait for. A stall alone ends nothing: a whole machine paused stalls every node and removes none.
    /// </summary>
    private bool Stalled()
    {
        if (_stall.Recent() is not { } stall)
        {
            return false;
        }
        _log(_stall.Message(stall)); // only from Vanished, once the exit is still open
        _exit.TrySetResult(1);
        return true;
    }

    /// <summary>The others removed this node (it was unreachable, then downed): its work went to them; it must not push on.</summary>
    private void Removed()
    {
        if (_exit.Task.IsCompleted)
        {
            return;
        }
        _log(RemovedMessage);
        _exit.TrySetResult(1);
    }

    public const string RemovedMessage = "this node was removed from the cluster: the others could not reach it for longer than the failure "
        + "detector allows (paused, overloaded or cut off) and the run went on without it; exiting with an error";
}
