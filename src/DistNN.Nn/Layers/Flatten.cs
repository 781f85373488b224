using DistNN.Tensors;

namespace DistNN.Nn.Layers;

/// <summary>
/// Reshapes each sample to one axis: (batch, d₁, …, dₖ) → (batch, d₁·…·dₖ). A view over the same array, no copy;
/// the view objects are cached so a steady batch size allocates nothing per step.
/// </summary>
public sealed class Flatten : Layer
{
    private int _features;
    private Tensor? _outputView;
    private Tensor? _gradientView;
    private int[] _batchInputShape = [];

    protected override int[] BuildCore(int[] inputShape)
    {
        if (inputShape.Length == 0)
        {
            throw ShapeError("flatten needs at least one axis per sample");
        }
        long features = 1;
        foreach (int d in inputShape)
        {
            features *= d;
        }
        if (features <= 0 || features > int.MaxValue)
        {
            throw ShapeError($"cannot flatten to {features} features");
        }
        _features = (int)features;
        return [_features];
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        if (input.Length != input.Rows * _features)
        {
            throw ShapeError($"got a batch of shape [{string.Join(",", input.Shape.ToArray())}]");
        }
        if (!input.Shape.SequenceEqual(_batchInputShape))
        {
            _batchInputShape = input.Shape.ToArray();
        }
        _outputView = ViewOf(input, _outputView, input.Rows, _features);
        return _outputView;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        if (!NeedsInputGradient)
        {
            return null;
        }
        _gradientView = ViewOf(outputGradient, _gradientView, _batchInputShape);
        return _gradientView;
    }

    /// <summary>Reuses <paramref name="cached"/> when it already views the same array with this shape.</summary>
    private static Tensor ViewOf(Tensor source, Tensor? cached, params ReadOnlySpan<int> shape)
    {
        if (cached is not null && ReferenceEquals(cached.Data, source.Data) && cached.Shape.SequenceEqual(shape))
        {
            return cached;
        }
        return new Tensor(source.Data, shape.ToArray());
    }
}
