using Akka.Actor;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Tensors;
using DistNN.Training.Engine;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;

namespace DistNN.Training.Actors;

/// <summary>Pulls every server's current weights and state into a model of its own and scores the test set, on its own thread.</summary>
public sealed class EvaluatorActor : ReceiveActor
{
    private readonly IDataSource _data;
    private readonly int _threads;
    private readonly Action<Sequential>? _finalModel;
    private Sequential _model = null!;
    private ParameterLayout _layout = null!;
    private IReadOnlyList<IActorRef> _servers = [];
    private TrainingPlan _plan = null!;
    private readonly Evaluator _evaluator = new();
    private IActorRef _requester = ActorRefs.Nobody;
    private int _epoch;
    private int _awaiting;

    public EvaluatorActor(IDataSource data, int threads, Action<Sequential>? finalModel)
    {
        _data = data;
        _threads = threads;
        _finalModel = finalModel;
        Receive<InitWorker>(init =>
        {
            ComputeThreads.Current = _threads;
            _plan = TrainingPlanJson.Parse(init.PlanJson);
            _servers = Carriers.TensorRouting.Route(Context.System, init.Servers, init.DataPlanes, _plan);
            _model = ModelBuilder.Build(_plan.Model, _plan.Seed);
            _layout = ParameterLayout.For(_model, _servers.Count);
            Sender.Tell(new WorkerReady("evaluator"));
        });
        Receive<Evaluate>(e =>
        {
            _requester = Sender;
            _epoch = e.Epoch;
            _awaiting = _servers.Count;
            foreach (var s in _servers)
            {
                s.Tell(new PullWeights(e.Epoch));
            }
        });
        Receive<Transport.TensorRequestFailed>(f => _requester.Tell(new TrainingFailed($"evaluator: {f.Reason}")));
        Receive<WeightsReply>(reply =>
        {
            foreach (var v in reply.Weights.Concat(reply.State))
            {
                v.Values.Span.CopyTo(_layout.ValuesOf(_layout.Chunks[v.ChunkId]).Span);
            }
            if (--_awaiting > 0)
            {
                return;
            }
            ComputeThreads.Current = _threads;
            var result = _evaluator.Run(_model, ModelBuilder.CreateLoss(_plan.Model.Loss), _data.Test);
            _finalModel?.Invoke(_model);
            var (sent, received) = Carriers.TensorTransports.Get(Context.System).Counters.BytesOf(Self);
            _requester.Tell(new EvaluationResult(_epoch, result.Accuracy, result.Loss, sent, received));
        });
    }

    public static Props Props(IDataSource data, int threads, Action<Sequential>? finalModel = null) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(data, threads, finalModel)).WithDispatcher(DistNNDispatchers.Compute);
}
