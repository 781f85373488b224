using Akka.Actor;
using Akka.Cluster;
using DistNN.Training.Engine;

namespace DistNN.Training.Cluster;

/// <summary>
/// On the coordinator node: tells the run's listener (the dashboard) each member's state as the cluster sees it —
/// joining, up, leaving, exiting, removed, unreachable — and counts an unreachable member as a failure seen.
/// </summary>
public sealed class MembershipReporter : ReceiveActor
{
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);

    public MembershipReporter(Action<TrainingEvent> listener)
    {
        void Report(Member m, string health) => listener(new MemberSeen(RoleOf(m), null, m.Address.ToString(), health));
        Receive<ClusterEvent.MemberJoined>(e => Report(e.Member, "joining"));
        Receive<ClusterEvent.MemberUp>(e => Report(e.Member, "up"));
        Receive<ClusterEvent.MemberLeft>(e => Report(e.Member, "leaving"));
        Receive<ClusterEvent.MemberExited>(e => Report(e.Member, "exiting"));
        Receive<ClusterEvent.MemberRemoved>(e => Report(e.Member, "removed"));
        Receive<ClusterEvent.ReachableMember>(e => Report(e.Member, "up"));
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            Report(e.Member, "unreachable");
            listener(new FailureSeen($"{RoleOf(e.Member)} node {e.Member.Address} unreachable"));
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public static Props Props(Action<TrainingEvent> listener) => Akka.Actor.Props.Create(() => new MembershipReporter(listener));

    protected override void PreStart() => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private static string RoleOf(Member m) =>
        new[] { NodeRoles.Coordinator, NodeRoles.Ps, NodeRoles.Worker }.FirstOrDefault(m.HasRole) ?? "member";
}
