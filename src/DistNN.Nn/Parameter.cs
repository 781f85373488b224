using DistNN.Tensors;

namespace DistNN.Nn;

/// <summary>
/// A named weight tensor and its gradient: the unit optimizers and parameter servers see.
/// Non-trainable state (BatchNorm's running statistics) is a Parameter with <see cref="IsState"/> set and no gradient.
/// </summary>
public sealed class Parameter
{
    public Parameter(string name, Tensor value, bool regularize = true, bool isState = false)
    {
        Name = name;
        Value = value;
        Grad = isState ? null : new Tensor(value.Shape.ToArray());
        Regularize = regularize;
        IsState = isState;
    }

    public string Name { get; set; }

    public Tensor Value { get; }

    /// <summary>dLoss/dValue for the last backward pass; null for state.</summary>
    public Tensor? Grad { get; }

    /// <summary>Whether L1/L2 penalties apply (weights yes, biases and BatchNorm scales no).</summary>
    public bool Regularize { get; }

    /// <summary>Not trained by gradient (running statistics); averaged across workers instead.</summary>
    public bool IsState { get; }

    public override string ToString() => $"{Name} [{Value.ShapeString}]";
}
