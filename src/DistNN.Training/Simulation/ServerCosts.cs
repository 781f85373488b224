using System.Diagnostics;
using DistNN.Training.Plan;

namespace DistNN.Training.Simulation;

/// <summary>
/// What a parameter server's arithmetic costs on this machine, per value: adding a pushed gradient into the round's
/// sum (as a sync round does), and the plan's optimizer updating a weight. Measured on 1 Mi floats, best of five.
/// </summary>
public static class ServerCosts
{
    private const int Length = 1 << 20;

    public static (double SecondsPerValue, double SecondsPerUpdate) Measure(TrainingPlan plan)
    {
        var weights = new float[Length];
        var gradient = new float[Length];
        var sum = new float[Length];
        gradient.AsSpan().Fill(1e-3f);
        var rule = plan.Optimizer.Create();
        var state = new float[rule.StateSlots * Length];
        double add = Best(() => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(gradient, 0.5f, sum, sum));
        long step = 0;
        double update = Best(() => rule.Update(weights, gradient, state, ++step, regularize: true));
        return (add / Length, update / Length);
    }

    private static double Best(Action run)
    {
        run();
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        return best;
    }
}
