using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Tensors;
using DistNN.Training.Actors.Supervision;
using DistNN.Training.Engine;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;

namespace DistNN.Training.Actors;

/// <summary>
/// Pulls every server's current weights and state into a model of its own and scores the test set, on its own thread.
/// Phases: waiting for <see cref="InitEvaluator"/>; ready; pulling for an <see cref="Evaluate"/> (under a deadline: a server
/// that does not answer fails the run), then scoring; stopped. Told <see cref="StopWork"/> (the run is being stopped, or
/// has failed) it evaluates and reports nothing more: a pull under way is dropped, and a scoring under way is abandoned at
/// its next batch or layer (the stop reaches it then through its child <c>stop</c>, <see cref="StopListener"/>), so no
/// epoch line and no final model come from after the stop; one line says what was dropped, if anything was under way.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor, IWithTimers
{
    private readonly IDataSource _data;
    private readonly int _threads;
    private readonly Action<Sequential>? _finalModel;
    private readonly Evaluator _evaluator = new();
    private ServerDeadline? _deadline;
    private Carriers.ServerRoutes? _routes;
    private long _pulls;

    /// <summary>Cancelled by <see cref="StopWork"/> (through <see cref="StopListener"/> while the test set is scored, or here).</summary>
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The reason of the <see cref="StopWork"/> that cancelled <see cref="_stop"/>, for the line of a scoring abandoned for it.</summary>
    private readonly StopReason _stopReason = new();

    /// <summary>The child that hears <see cref="StopWork"/> while this actor is busy scoring the test set.</summary>
    public const string StopListenerName = StopListener.Name;

    public EvaluatorActor(IDataSource data, int threads, Action<Sequential>? finalModel)
    {
        _data = data;
        _threads = threads;
        _finalModel = finalModel;
        Receive<InitEvaluator>(Init);
        Receive<StopWork>(stop => Stop(stop.Reason, doing: null));
    }

    protected override void PreStart() => Context.ActorOf(StopListener.Props(_stop, _stopReason), StopListenerName);

    protected override void PostStop() => _stop.Dispose();

    public ITimerScheduler Timers { get; set; } = null!;

    private ServerDeadline Deadline => _deadline ??= new ServerDeadline(Timers, Context.System);

    public static Props Props(IDataSource data, int threads, Action<Sequential>? finalModel = null) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(data, threads, finalModel)).WithDispatcher(DistNNDispatchers.Compute);

    private void Init(InitEvaluator init)
    {
        ComputeThreads.Current = _threads;
        TrainingPlan plan = init.Plan.ToPlan();
        _routes = new Carriers.ServerRoutes(init.DataPlanes, init.Credential);
        var servers = _routes.Route(Context.System, init.Servers, plan);
        var model = ModelBuilder.Build(plan.Model, plan.Seed);
        var layout = ParameterLayout.For(model, servers.Count);
        Sender.Tell(new EvaluatorReady(servers.Count));
        Become(() => Ready(plan, servers, model, layout));
    }

    private void Ready(TrainingPlan plan, IReadOnlyList<IActorRef> servers, Sequential model, ParameterLayout layout)
    {
        Receive<Evaluate>(e =>
        {
            _pulls++;
            foreach (var s in servers)
            {
                s.Tell(new PullWeights(_pulls));
            }
            var requester = Sender;
            Become(() => Pulling(plan, servers, model, layout, e.Epoch, requester));
        });
        Receive<ServersReplaced>(r => Reroute(plan, model, layout, r));
        Receive<StopWork>(stop => Stop(stop.Reason, doing: null));
    }

    /// <summary>
    /// The run is being stopped, or has failed: nothing more is pulled, scored or reported (neither the epoch's result nor
    /// the final model), and everything is ignored from now on. <paramref name="doing"/>: what was dropped, for its one
    /// line; null when nothing was under way (nothing is said).
    /// </summary>
    private void Stop(string reason, string? doing)
    {
        _stopReason.Text ??= reason;
        _stop.Cancel();
        _deadline?.Stop();
        if (doing is not null)
        {
            Context.GetLogger().Warning("evaluator: the run is stopping ({0}): {1}; it reports nothing more", reason, doing);
        }
        Become(() => ReceiveAny(_ => { }));
    }

    /// <summary>A lost server was replaced: reach the new set; an evaluation under way is dropped (the coordinator asks again).</summary>
    private void Reroute(TrainingPlan plan, Sequential model, ParameterLayout layout, ServersReplaced replaced)
    {
        Deadline.Stop();
        var servers = _routes!.Reroute(Context.System, replaced, plan);
        Sender.Tell(new Rerouted("evaluator", replaced.Generation));
        Become(() => Ready(plan, servers, model, layout));
    }

    private void Pulling(TrainingPlan plan, IReadOnlyList<IActorRef> servers, Sequential model, ParameterLayout layout, int epoch,
        IActorRef requester)
    {
        int awaiting = servers.Count;
        Deadline.Start($"pull for the evaluation of epoch {epoch}");
        Receive<Transport.TensorRequestFailed>(f =>
        {
            if (_routes!.IsCurrent(f.Endpoint))
            {
                requester.Tell(new ServerUnreachable($"evaluator: {f.Reason}", f.Endpoint, f.Refused));
            }
        });
        Receive<ServerRequestOverdue>(o =>
        {
            if (!Deadline.RestartIfLate(o))
            {
                requester.Tell(new ServerUnreachable(Deadline.Reason("evaluator", o, awaiting, servers.Count)));
            }
        });
        Receive<ServersReplaced>(r => Reroute(plan, model, layout, r));
        Receive<StopWork>(stop => Stop(stop.Reason,
            $"the evaluation of epoch {epoch} is dropped while {awaiting} of {servers.Count} parameter server(s) had not answered its pull"));
        Receive<WeightsReply>(reply =>
        {
            if (reply.RequestId != _pulls)
            {
                return; // the reply of an evaluation dropped when the servers were replaced
            }
            foreach (var v in reply.Weights.Concat(reply.State))
            {
                v.Values.Span.CopyTo(layout.ValuesOf(layout.Chunks[v.ChunkId]).Span);
            }
            if (--awaiting > 0)
            {
                return;
            }
            Deadline.Stop();
            ComputeThreads.Current = _threads;
            long started = Stopwatch.GetTimestamp();
            Evaluation result;
            try
            {
                result = _evaluator.Run(model, ModelBuilder.CreateLoss(plan.Model.Loss), _data.Test, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                result = default;
            }
            if (_stop.IsCancellationRequested)
            {
                // Heard by the listener while scoring (its own copy of the stop is still in the mailbox): nothing of it goes out.
                Stop(_stopReason.Heard,
                    $"the evaluation of epoch {epoch} is abandoned {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms into scoring the test set");
                return;
            }
            _finalModel?.Invoke(model);
            var (sent, received) = Carriers.TensorTransports.Get(Context.System).Counters.BytesOf(Self);
            requester.Tell(new EvaluationResult(epoch, result.Accuracy, result.Loss, sent, received));
            Become(() => Ready(plan, servers, model, layout));
        });
    }
}
