using DistNN.Tensors.Kernels;

namespace DistNN.Tensors.Tests;

/// <summary>The products the MLP and CNN trainers run every step, once each, on every SIMD kernel this machine runs (the
/// scalar one is covered by the awkward shapes) and on 1 and 2 threads.</summary>
public class GemmTrainingShapesSpec
{
    [Theory]
    [InlineData(64, 256, 784, false, false)]   // MLP dense 1 forward
    [InlineData(64, 10, 128, false, false)]    // MLP output layer forward
    [InlineData(784, 256, 64, true, false)]    // MLP dense 1 dW = Xᵀ·dZ
    [InlineData(64, 784, 256, false, true)]    // MLP dense 1 dX = dZ·Wᵀ
    [InlineData(50176, 32, 9, false, false)]   // CNN conv 1 im2col forward
    [InlineData(9, 32, 50176, true, false)]    // CNN conv 1 dW, k = 64·784
    [InlineData(1568, 64, 288, false, false)]  // CNN conv 2 forward on 8 images
    [InlineData(288, 64, 1568, true, false)]   // CNN conv 2 dW on 8 images
    [InlineData(1568, 288, 64, false, true)]   // CNN conv 2 dX columns on 8 images
    [InlineData(30, 64, 2200, true, false)]    // a 64-wide B too deep to pack whole, read in place
    public void Training_shape_matches_the_reference(int m, int n, int k, bool transA, bool transB)
    {
        var gemm = new GemmCase(m, n, k, transA, transB);
        foreach (GemmKernel kernel in GemmCase.RunnableKernels().Where(k => k.Isa != Isa.Scalar))
        {
            foreach (int threads in new[] { 1, 2 })
            {
                gemm.AssertMatchesReference(gemm.Run(kernel, threads));
            }
        }
    }
}
