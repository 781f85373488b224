using DistNN.Nn.Layers;

namespace DistNN.Nn.Tests.Conv;

/// <summary>A stand-in for flatten in these tests: views each sample as a vector (the real Flatten lives elsewhere).</summary>
internal sealed class ReshapeForTests : Layer
{
    private int[] _batchInputShape = [];

    protected override int[] BuildCore(int[] inputShape) => [inputShape.Aggregate(1, (a, b) => a * b)];

    public override Tensor Forward(Tensor input, bool training)
    {
        _batchInputShape = input.Shape.ToArray();
        return input.View(input.Rows, input.RowLength);
    }

    public override Tensor? Backward(Tensor outputGradient) => outputGradient.View(_batchInputShape);
}
