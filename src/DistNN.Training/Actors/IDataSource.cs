using DistNN.Data;

namespace DistNN.Training.Actors;

/// <summary>Where a node's actors find the data: in one process the loaded sets are shared; a cluster node loads its own.</summary>
public interface IDataSource
{
    Dataset Train { get; }

    Dataset Test { get; }

    /// <summary>How many training samples there are; a source that knows it without loading them says so (a coordinator node).</summary>
    int TrainCount => Train.Count;
}

public sealed record InMemoryDataSource(Dataset Train, Dataset Test) : IDataSource;

/// <summary>
/// A node's data that depends on the plan (which data set, how many training samples): loaded when the plan arrives,
/// so that the coordinator's plan stays the one description of the run and the node only says where its files are.
/// </summary>
public interface IPlanDataSource : IDataSource
{
    /// <summary>Loads what <paramref name="plan"/> names; called with each plan the node's actors receive (cheap after the first).</summary>
    void Prepare(Plan.TrainingPlan plan);
}
