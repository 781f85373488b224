using DistNN.Tensors;

namespace DistNN.Nn.Layers;

/// <summary>
/// One stage of a network. Shapes passed to <see cref="Build"/> are per sample (no batch axis);
/// tensors passed to Forward/Backward carry the batch as their first axis.
/// Backward overwrites (does not accumulate) the parameter gradients with this batch's gradient.
/// Layers own their output buffers and reuse them between steps.
/// </summary>
public abstract class Layer
{
    private static readonly IReadOnlyList<Parameter> s_none = [];

    public string Name { get; set; } = "";

    /// <summary>Per-sample input shape seen by <see cref="Build"/>.</summary>
    public int[] InputShape { get; private set; } = [];

    /// <summary>Per-sample output shape computed by <see cref="Build"/>.</summary>
    public int[] OutputShape { get; private set; } = [];

    /// <summary>When false (the first layer), Backward may skip computing the input gradient and return null.</summary>
    public bool NeedsInputGradient { get; set; } = true;

    /// <summary>Validates the input shape, creates parameters, returns the output shape. Throws <see cref="ShapeException"/> naming the layer.</summary>
    public int[] Build(int[] inputShape)
    {
        InputShape = (int[])inputShape.Clone();
        OutputShape = BuildCore(InputShape);
        return OutputShape;
    }

    protected abstract int[] BuildCore(int[] inputShape);

    /// <summary>Draws initial weights (and any per-layer randomness such as dropout masks) from <paramref name="rng"/>.</summary>
    public virtual void Initialize(Random rng)
    {
    }

    public abstract Tensor Forward(Tensor input, bool training);

    /// <summary>Given dLoss/dOutput, fills parameter gradients and returns dLoss/dInput (or null when not needed).</summary>
    public abstract Tensor? Backward(Tensor outputGradient);

    public virtual IReadOnlyList<Parameter> Parameters => s_none;

    protected ShapeException ShapeError(string what) =>
        new($"layer '{Name}' ({GetType().Name}): {what} (input shape [{string.Join(",", InputShape)}])");
}

/// <summary>A model spec or input whose shapes do not fit; the message names the layer and the shapes.</summary>
public sealed class ShapeException(string message) : Exception(message);
