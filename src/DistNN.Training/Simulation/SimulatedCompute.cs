using DistNN.Data;
using DistNN.Training.Actors;

namespace DistNN.Training.Simulation;

/// <summary>
/// A simulated worker's batch: no forward or backward pass; the batch's compute time (a straggler's is longer) is
/// charged to the worker on the virtual clock, and the gradients are filled with small seeded values, so that
/// compression (top-k picks, error feedback) and the servers' arithmetic run on real sizes. When the replica pushes in
/// parts (overlap) and the run has a backward profile, the time is charged layer by layer, last layer first, and each
/// layer's parts are handed to the worker as its share of the compute ends.
/// </summary>
internal sealed class SimulatedCompute(ClusterSimulation simulation) : IBatchCompute
{
    private float[] _noise = [];

    public (float Loss, int Correct) Run(WorkerReplica replica, string worker, Dataset train, ReadOnlySpan<int> indices, long batchNumber, CancellationToken stop)
    {
        var (draw, seconds) = simulation.Compute(worker, batchNumber);
        foreach (var gradient in replica.Gradients)
        {
            var noise = Noise(gradient.Length);
            int shift = (int)(draw % (ulong)(noise.Length - gradient.Length + 1));
            noise.AsSpan(shift, gradient.Length).CopyTo(gradient.Span);
            draw = ClusterSimulation.Mix(draw);
        }
        var profile = simulation.BackwardProfile;
        double done = 0;
        if (profile is not null && replica.Overlaps)
        {
            // The backward pass finishes the layers last first: each layer's parts leave once the compute up to it is charged.
            for (int layer = replica.LayerCount - 1; layer >= 0; layer--)
            {
                double share = Math.Max(done, profile[layer]);
                simulation.Charge(worker, (share - done) * seconds);
                done = share;
                replica.LayerDone(layer);
            }
        }
        simulation.Charge(worker, (1 - done) * seconds);
        simulation.ComputeEnds(worker);
        replica.FinishGradients();
        return (1f, 0);
    }

    /// <summary>Values in ±1e-3, a window of which becomes each gradient (shared by every worker: written once).</summary>
    private float[] Noise(int length)
    {
        if (_noise.Length < length + 4096)
        {
            var rng = new Random(simulation.Seed);
            _noise = new float[length + 65536];
            for (int i = 0; i < _noise.Length; i++)
            {
                _noise[i] = (rng.NextSingle() * 2 - 1) * 1e-3f;
            }
        }
        return _noise;
    }
}
