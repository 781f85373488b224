namespace DistNN.Protocol.Messages;

/// <summary>The update rule a parameter server applies, as the plan carries it.</summary>
public enum OptimizerKind
{
    Sgd,
    Momentum,
    Nesterov,
    AdaGrad,
    RmsProp,
    Adam,
}
