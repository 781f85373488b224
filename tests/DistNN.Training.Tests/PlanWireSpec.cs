using DistNN.Data.Augmentation;
using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

public class PlanWireSpec
{
    private static readonly ProtocolSerializer s_serializer = Serializer(ProtocolLimits.Default);

    private static ProtocolSerializer Serializer(ProtocolLimits limits) =>
        new(null, ProtocolMessageRegistry.Default, limits, new LimitViolations(_ => { }));

    /// <summary>A plan with no field at its default.</summary>
    private static TrainingPlan Unusual() => TestData.Plan(ModelPresets.Get("cnn"), ConsistencyMode.Ssp, workers: 3, servers: 2, batch: 17,
        epochs: 4, optimizer: "nesterov", lr: 0.025f, staleness: 5) with
    {
        ModelName = "cnn-variant",
        Optimizer = new OptimizerSettings(OptimizerKind.Nesterov, 0.025f, 0.8f, 1e-5f, 2e-4f),
        Schedule = LearningRateSchedule.Step(0.5, 3),
        ClipNorm = 2.5f,
        Threads = 7,
        Dataset = "fashion",
        DataDir = "somewhere/else",
        Augmentation = new AugmentationOptions(0.1, 12, 1.5),
        TrainLimit = 999,
        Carrier = TensorCarrierKind.Remote,
        ChunkBytes = 32 * 1024,
        Compression = Compression.TopK(0.02),
        DivergenceFactor = 50,
        Overlap = OverlapMode.All,
    };

    private static TrainingPlan RoundTrip(TrainingPlan plan, ProtocolSerializer serializer)
    {
        var init = new InitServer(plan.ToMessage(), 1, 2);
        var back = (InitServer)serializer.FromBinary(serializer.ToBinary(init), "distnn.init-server");
        return back.Plan.ToPlan();
    }

    [Fact]
    public void A_plan_comes_back_from_the_wire_with_every_typed_field_as_it_was()
    {
        var plan = Unusual();

        var back = RoundTrip(plan, s_serializer);

        Assert.Equal(plan.Model.ToJson(), back.Model.ToJson());
        Assert.Equal(plan.Optimizer, back.Optimizer);
        var step = Assert.IsType<LearningRateSchedule.StepSchedule>(back.Schedule);
        Assert.Equal((0.5, 3), (step.Gamma, step.Every));
        Assert.Equal(plan.Augmentation, back.Augmentation);
        Assert.Equal(plan.Compression, back.Compression);
        Assert.Equal(plan with { Model = back.Model, Schedule = back.Schedule }, back);
    }

    [Fact]
    public void A_cosine_schedule_keeps_its_final_factor_and_a_constant_one_stays_constant()
    {
        var cosine = RoundTrip(Unusual() with { Schedule = LearningRateSchedule.Cosine(0.1) }, s_serializer).Schedule;
        var constant = RoundTrip(Unusual() with { Schedule = LearningRateSchedule.Constant }, s_serializer).Schedule;

        Assert.Equal(0.1, Assert.IsType<LearningRateSchedule.CosineSchedule>(cosine).Floor);
        Assert.Same(LearningRateSchedule.Constant, constant);
    }

    [Fact]
    public void A_plan_is_read_within_the_protocols_collection_limit()
    {
        var strict = Serializer(ProtocolLimits.Default with { MaxCollectionCount = 4 });
        var plan = Unusual();
        Assert.True(plan.Model.Layers.Count > 4);

        var e = Assert.Throws<WireProtocolException>(() => RoundTrip(plan, strict));

        Assert.Equal(ViolationKind.CollectionTooLarge, e.Kind);
    }

    [Fact]
    public void A_plan_is_read_within_the_protocols_string_limit()
    {
        var strict = Serializer(ProtocolLimits.Default with { MaxStringBytes = 64 });
        var plan = Unusual() with { DataDir = new string('d', 65) };

        var e = Assert.Throws<WireProtocolException>(() => RoundTrip(plan, strict));

        Assert.Equal(ViolationKind.StringTooLong, e.Kind);
    }

    [Theory]
    [InlineData("optimizer")]
    [InlineData("schedule")]
    [InlineData("mode")]
    [InlineData("carrier")]
    [InlineData("compression")]
    [InlineData("overlap")]
    public void A_plan_naming_a_kind_this_node_does_not_know_is_refused_with_the_field(string field)
    {
        var m = Unusual().ToMessage();
        m = field switch
        {
            "optimizer" => m with { Optimizer = m.Optimizer with { Kind = (OptimizerKind)42 } },
            "schedule" => m with { Schedule = m.Schedule with { Kind = (ScheduleKind)42 } },
            "mode" => m with { Mode = (ConsistencyMode)42 },
            "carrier" => m with { Carrier = (TensorCarrierKind)42 },
            "overlap" => m with { Overlap = (OverlapMode)42 },
            _ => m with { Compression = m.Compression with { Encoding = (TensorEncoding)42 } },
        };
        var back = (InitServer)s_serializer.FromBinary(s_serializer.ToBinary(new InitServer(m, 0, 1)), "distnn.init-server");

        var e = Assert.Throws<FormatException>(() => back.Plan.ToPlan());

        Assert.Contains($"unknown {field} value 42", e.Message);
    }

    [Fact]
    public void A_plan_with_a_top_k_fraction_out_of_range_is_refused()
    {
        var m = Unusual().ToMessage();
        m = m with { Compression = new CompressionMessage(TensorEncoding.TopK, 3) };

        var e = Assert.Throws<FormatException>(() => m.ToPlan());

        Assert.Contains("top-k fraction", e.Message);
    }
}
