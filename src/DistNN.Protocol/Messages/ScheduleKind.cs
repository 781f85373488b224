namespace DistNN.Protocol.Messages;

/// <summary>The shape of a plan's learning-rate schedule.</summary>
public enum ScheduleKind
{
    Constant,

    /// <summary>Multiply by Gamma every EveryEpochs epochs.</summary>
    Step,

    /// <summary>Cosine annealing from 1 down to FinalFactor.</summary>
    Cosine,
}
