using Akka.Actor;
using CsCheck;
using DistNN.Protocol.Messages;

namespace DistNN.Protocol.Tests;

/// <summary>A generator for every <see cref="IDistNNMessage"/> type, drawing actor refs from the given ones.</summary>
internal static class MessageGenerators
{
    /// <summary>ASCII text mostly, and now and then text that needs multi-byte UTF-8.</summary>
    public static readonly Gen<string> Text = Gen.Frequency(
        (4, Gen.String[Gen.Char[' ', '~'], 0, 40]),
        (1, Gen.OneOf("", "ünïcødé ✓", "进程-7", "🙂 emoji", "{\"model\": {\"layers\": []}}")));

    /// <summary>Dense chunk values mostly, and now and then a compressed gradient chunk (encoded bytes on the wire).</summary>
    public static readonly Gen<ChunkValues> Chunk = Gen.Frequency(
        (3, Gen.Select(Gen.Int[0, 10_000], Gen.Long, TestData.AnyFloat.Array[0, 300],
            (id, version, values) => new ChunkValues(id, version, values))),
        (1, Gen.Select(Gen.Int[0, 10_000], TestData.AnyFloat.Array[0, 300], Gen.OneOf("fp16", "int8", "topk:0.1", "topk:1"),
            (id, values, compression) => CompressedChunks.Make(id, values, Codecs.Compression.Parse(compression)))));

    public static readonly Gen<IReadOnlyList<ChunkValues>> Chunks = Chunk.Array[0, 6].Select(a => (IReadOnlyList<ChunkValues>)a);

    /// <summary>Doubles of every kind, NaN and infinities included.</summary>
    public static readonly Gen<double> AnyDouble = Gen.Frequency(
        (4, Gen.Double),
        (1, Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0d, double.Epsilon, 1e-310)));

    /// <summary>Any value of an enum, now and then one the enum does not define (the receiver's mapping refuses those).</summary>
    private static Gen<T> AnyEnum<T>() where T : struct, Enum => Gen.Frequency(
        (4, Gen.OneOf(Enum.GetValues<T>())),
        (1, Gen.Int[-3, 300].Select(i => (T)Enum.ToObject(typeof(T), i))));

    private static readonly Gen<int?> OptionalInt = Gen.OneOf(Gen.Const((int?)null), Gen.Int.Select(i => (int?)i));

    private static readonly Gen<double?> OptionalDouble = Gen.OneOf(Gen.Const((double?)null), AnyDouble.Select(d => (double?)d));

    private static readonly Gen<string?> OptionalText = Gen.OneOf(Gen.Const((string?)null), Text.Select(t => (string?)t));

    private static readonly Gen<int[]?> OptionalInts = Gen.OneOf(Gen.Const((int[]?)null), Gen.Int.Array[0, 4].Select(a => (int[]?)a));

    public static readonly Gen<LayerMessage> Layer = Gen.Select(
        Gen.Select(Text, OptionalText, OptionalInt, OptionalText, OptionalText, OptionalDouble, OptionalInt),
        Gen.Select(OptionalInts, OptionalInts, OptionalText, Gen.OneOf(Gen.Const((bool?)null), Gen.Bool.Select(b => (bool?)b)),
            OptionalInt, OptionalDouble, OptionalDouble),
        (a, b) => new LayerMessage(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, a.Item7,
            b.Item1, b.Item2, b.Item3, b.Item4, b.Item5, b.Item6, b.Item7));

    public static readonly Gen<ModelMessage> Model = Gen.Select(Text, Gen.Int.Array[0, 4], Text, Layer.Array[0, 6],
        (name, input, loss, layers) => new ModelMessage(name, input, loss, layers));

    /// <summary>Plans with every field drawn, sub-records included.</summary>
    public static readonly Gen<PlanMessage> Plan = Gen.Select(
        Gen.Select(Text, Model,
            Gen.Select(AnyEnum<OptimizerKind>(), TestData.AnyFloat, TestData.AnyFloat, TestData.AnyFloat, TestData.AnyFloat,
                (k, lr, m, l1, l2) => new OptimizerMessage(k, lr, m, l1, l2)),
            Gen.Select(AnyEnum<ScheduleKind>(), AnyDouble, Gen.Int, AnyDouble, (k, g, e, f) => new ScheduleMessage(k, g, e, f)),
            TestData.AnyFloat, Gen.Int, Gen.Int),
        Gen.Select(Gen.Int, Gen.Int, Text, Text,
            Gen.Select(AnyDouble, AnyDouble, AnyDouble, (n, r, s) => new AugmentationMessage(n, r, s)), Gen.Int, AnyEnum<ConsistencyMode>()),
        Gen.Select(Gen.Int, Gen.Int, Gen.Int, AnyEnum<TensorCarrierKind>(), Gen.Int,
            Gen.Select(AnyEnum<Codecs.TensorEncoding>(), AnyDouble, (e, f) => new CompressionMessage(e, f)), AnyDouble),
        (a, b, c) => new PlanMessage(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, a.Item7,
            b.Item1, b.Item2, b.Item3, b.Item4, b.Item5, b.Item6, b.Item7,
            c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6, c.Item7));

    private static readonly Gen<CheckpointFileInfo[]> CheckpointFiles =
        Gen.Select(Text, Gen.Long, Text, (n, b, sha) => new CheckpointFileInfo(n, b, sha)).Array[0, 4];

    public static Dictionary<Type, Gen<IDistNNMessage>> For(IReadOnlyList<IActorRef?> refs)
    {
        Gen<IActorRef?> actorRef = Gen.OneOf(refs.ToArray());
        return new Dictionary<Type, Gen<IDistNNMessage>>
        {
            [typeof(RegisterServer)] = Gen.Select(actorRef, Text, (r, dataPlane) => Message(new RegisterServer(r!, dataPlane))),
            [typeof(RegisterWorker)] = Gen.Select(actorRef, Text, Gen.Long, (r, name, incarnation) => Message(new RegisterWorker(r!, name, incarnation))),
            [typeof(InitServer)] = Gen.Select(Plan, Gen.Int, Gen.Int, (plan, i, n) => Message(new InitServer(plan, i, n))),
            [typeof(ServerReady)] = Gen.Select(Gen.Int, Gen.Int, Gen.Long, (i, c, f) => Message(new ServerReady(i, c, f))),
            [typeof(InitWorker)] = Gen.Select(Plan, actorRef.Array[0, 5], Gen.OneOf(Gen.Const((string[]?)null), Text.Array[0, 5].Select(a => (string[]?)a)),
                (plan, servers, dataPlanes) => Message(new InitWorker(plan, servers!, dataPlanes, Generation: servers!.Length))),
            [typeof(WorkerReady)] = Text.Select(n => Message(new WorkerReady(n))),
            [typeof(InitEvaluator)] = Gen.Select(Plan, actorRef.Array[0, 5], Gen.OneOf(Gen.Const((string[]?)null), Text.Array[0, 5].Select(a => (string[]?)a)),
                (plan, servers, dataPlanes) => Message(new InitEvaluator(plan, servers!, dataPlanes))),
            [typeof(EvaluatorReady)] = Gen.Int.Select(n => Message(new EvaluatorReady(n))),
            [typeof(AssignBatches)] = Gen.Select(Gen.Int, Gen.Int, Gen.Int.Array[0, 50],
                Gen.OneOf(Gen.Const((ShardRange[]?)null), Gen.Select(Gen.Int, Gen.Int, Gen.Int, (i, s, n) => new ShardRange(i, s, n)).Array[0, 8].Select(a => (ShardRange[]?)a)),
                (e, t, ids, shards) => Message(new AssignBatches(e, t, ids, shards))),
            [typeof(WorkerIdle)] = Gen.Select(Text, Gen.Int, Gen.Long, (w, e, i) => Message(new WorkerIdle(w, e, i, e ^ 5))),
            [typeof(LiveWorkers)] = Gen.Select(Text.Array[0, 8], Gen.OneOf(Gen.Const((long[]?)null), Gen.Long.Array[0, 8].Select(a => (long[]?)a)),
                (w, i) => Message(new LiveWorkers(w, i))),
            [typeof(BatchRefused)] = Gen.Select(Text, Gen.Long, Gen.Int, Gen.Int, Text, (w, i, e, b, r) => Message(new BatchRefused(w, i, e, b, r))),
            [typeof(ReportApplied)] = Gen.Int.Select(e => Message(new ReportApplied(e))),
            [typeof(BatchesApplied)] = Gen.Select(Gen.Int, Gen.Int, Gen.Int.Array[0, 50], Gen.Int.Array[0, 50],
                (server, e, ids, samples) => Message(new BatchesApplied(server, e, ids, samples))),
            [typeof(BatchDone)] = Gen.Select(Text, Gen.Int, Gen.Int, Gen.Int, TestData.AnyFloat, Gen.Int, AnyDouble, AnyDouble, Gen.Long, Gen.Long,
                (w, e, b, s, loss, c, compute, wait, sent, received) => Message(new BatchDone(w, e, b, s, loss, c, compute, wait, sent, received))),
            [typeof(BatchesDone)] = Gen.Select(Text, Gen.Int, Gen.Int, Gen.Int, TestData.AnyFloat, Gen.Long,
                (w, e, b, s, loss, sent) => new BatchDone(w, e, b, s, loss, s / 2, 0.01, 0.002, sent, sent)).List[1, 20]
                .Select(batches => Message(new BatchesDone(batches))),
            [typeof(Evaluate)] = Gen.Int.Select(e => Message(new Evaluate(e))),
            [typeof(EvaluationResult)] = Gen.Select(Gen.Int, AnyDouble, AnyDouble, Gen.Long, Gen.Long,
                (e, a, l, sent, received) => Message(new EvaluationResult(e, a, l, sent, received))),
            [typeof(LeaveCluster)] = Gen.Select(Text, Gen.Bool, Gen.Int, (reason, ok, code) => Message(new LeaveCluster(reason, ok, code))),
            [typeof(NodeInterrupted)] = actorRef.Select(r => Message(new NodeInterrupted(r!))),
            [typeof(TrainingFailed)] = Text.Select(r => Message(new TrainingFailed(r))),
            [typeof(PullWeights)] = Gen.Long.Select(r => Message(new PullWeights(r))),
            [typeof(WeightsReply)] = Gen.Select(Gen.Long, Chunks, Chunks, (r, w, s) => Message(new WeightsReply(r, w, s))),
            [typeof(PushGradients)] = Gen.Select(Gen.Select(Text, Gen.Long, Gen.Long), Gen.Int, Gen.Int, Gen.Int, AnyDouble, Chunks, Chunks,
                (id, e, b, s, p, g, st) => Message(new PushGradients(id.Item1, id.Item2, e, b, s, p, g, st, id.Item3, Generation: b ^ e))),
            [typeof(PushReply)] = Gen.Select(Gen.Long, Gen.Bool, Chunks, Chunks, OptionalText,
                (step, applied, w, s, refused) => Message(new PushReply(step, applied, w, s, refused, Generation: (int)step))),
            [typeof(CheckpointPolicy)] = Gen.Select(Text, Gen.Int, (d, every) => Message(new CheckpointPolicy(d, every))),
            [typeof(TakeCheckpoint)] = Text.Select(r => Message(new TakeCheckpoint(r))),
            [typeof(ShardCheckpointed)] = Gen.Select(Gen.Int, Text, Gen.Long, Gen.Int, Gen.Int.Array[0, 20], CheckpointFiles, AnyDouble,
                (i, folder, step, e, applied, files, ms) => Message(new ShardCheckpointed(i, folder, step, e, applied, files, ms))),
            [typeof(RestoreShard)] = Gen.Select(Text, Gen.Int, CheckpointFiles, (folder, from, files) => Message(new RestoreShard(folder, from, files, from ^ 3))),
            [typeof(ResetShard)] = Gen.Int.Select(g => Message(new ResetShard(g))),
            [typeof(CheckpointCompleted)] = Text.Select(f => Message(new CheckpointCompleted(f))),
            [typeof(ShardRestored)] = Gen.Select(Gen.Int, Gen.Long, (i, step) => Message(new ShardRestored(i, step, i ^ 7))),
            [typeof(ServersReplaced)] = Gen.Select(Gen.Int, actorRef.Array[0, 5], Gen.OneOf(Gen.Const((string[]?)null), Text.Array[0, 5].Select(a => (string[]?)a)),
                (g, servers, dataPlanes) => Message(new ServersReplaced(g, servers!, dataPlanes))),
            [typeof(Rerouted)] = Gen.Select(Text, Gen.Int, (n, g) => Message(new Rerouted(n, g))),
            [typeof(ServerUnreachable)] = Gen.Select(Text, Text, Gen.Bool, (r, e, refused) => Message(new ServerUnreachable(r, e, refused))),
            [typeof(StopWork)] = Text.Select(r => Message(new StopWork(r))),
            [typeof(MessagePiece)] = Gen.Select(Gen.Long, actorRef, actorRef, Text, Gen.Int, Gen.Int, Gen.Byte.Array[0, 300],
                (transfer, target, replyTo, manifest, offset, total, bytes) => Message(new MessagePiece(transfer, target!, replyTo, manifest, offset, total, bytes))),
        };
    }

    public static IEnumerable<Type> AllMessageTypes() =>
        typeof(IDistNNMessage).Assembly.GetTypes()
            .Where(t => typeof(IDistNNMessage).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .OrderBy(t => t.Name);

    private static IDistNNMessage Message(IDistNNMessage m) => m;
}
